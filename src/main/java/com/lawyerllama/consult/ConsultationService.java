package com.lawyerllama.consult;

import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.RunningGeneration;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.remote.RemoteChatModel;
import com.lawyerllama.retrieval.ArticleRetriever;
import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.ServiceUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * One consultation turn: validate, load the conversation, retrieve the articles (first turn
 * only: later turns reuse the pinned ones), build the prompt, generate, check the citations,
 * store the turn. Everything a request is refused for is checked before anything is stored.
 */
@Service
public class ConsultationService {
    private static final Logger log = LoggerFactory.getLogger(ConsultationService.class);

    /** Receives a turn as it happens (the streaming endpoint); the JSON endpoint ignores it. */
    public interface Listener {
        void onArticles(String conversationId, List<ConsultResponse.ArticleRef> articles, boolean articlesUnavailable);

        void onToken(String text);

        Listener NONE = new Listener() {
            @Override
            public void onArticles(String conversationId, List<ConsultResponse.ArticleRef> articles, boolean unavailable) {
            }

            @Override
            public void onToken(String text) {
            }
        };
    }

    /** A turn under way: its result, and a way to stop it (a client that went away). */
    public record Turn(java.util.concurrent.CompletableFuture<ConsultResponse> result, Runnable cancel) {
    }

    private final LlamaEngine engine;
    /** The remote answering model ({@code lawyer.model.provider=openai}); null: the engine answers. */
    private final RemoteChatModel remote;
    private final ArticleRetriever retriever;
    private final ConversationStore conversations;
    private final PromptBuilder prompts;
    private final CitationChecker citations;
    private final ConsultProperties properties;
    private final QueryAssist queryAssist;
    private final Timer retrievalTimer;
    private final Timer firstTokenTimer;
    private final Timer generationTimer;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final AtomicInteger inFlight = new AtomicInteger();

    public ConsultationService(LlamaEngine engine, ArticleRetriever retriever, ConversationStore conversations,
                               PromptBuilder prompts, CitationChecker citations, ConsultProperties properties,
                               MeterRegistry meters, ObjectProvider<RemoteChatModel> remote, QueryAssist queryAssist) {
        this.engine = engine;
        this.queryAssist = queryAssist;
        this.remote = remote.getIfAvailable();
        this.retriever = retriever;
        this.conversations = conversations;
        this.prompts = prompts;
        this.citations = citations;
        this.properties = properties;
        this.retrievalTimer = Timer.builder("consult.retrieval").description("Article retrieval per consultation").register(meters);
        this.firstTokenTimer = Timer.builder("consult.first.token").description("Time to the first answer token").register(meters);
        this.generationTimer = Timer.builder("consult.generation").description("Answer generation").register(meters);
        this.promptTokens = Counter.builder("consult.tokens").tag("kind", "prompt").register(meters);
        this.completionTokens = Counter.builder("consult.tokens").tag("kind", "completion").register(meters);
        meters.gauge("consult.in.flight", inFlight);
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Validates the request; throws the 4xx/5xx a bad or unanswerable request gets. */
    void validate(ConsultRequest request) {
        if (request.question() == null || request.question().isBlank()) {
            throw ApiException.badRequest("question is required");
        }
        if (request.question().codePointCount(0, request.question().length()) > properties.maxQuestionLength()) {
            throw ApiException.badRequest("question is longer than " + properties.maxQuestionLength() + " characters")
                    .with("maxLength", properties.maxQuestionLength());
        }
        if (request.maxTokens() != null && (request.maxTokens() < 1 || request.maxTokens() > properties.maxTokensLimit())) {
            throw ApiException.badRequest("maxTokens must be between 1 and " + properties.maxTokensLimit());
        }
        if (request.temperature() != null && (request.temperature() < 0 || request.temperature() > 2
                || request.temperature().isNaN())) {
            throw ApiException.badRequest("temperature must be between 0 and 2");
        }
        if (request.topP() != null && (request.topP() <= 0 || request.topP() > 1 || request.topP().isNaN())) {
            throw ApiException.badRequest("topP must be greater than 0 and at most 1");
        }
        if (request.conversationId() != null && !ConversationStore.isWellFormed(request.conversationId())) {
            throw ApiException.notFound("no conversation " + request.conversationId());
        }
    }

    /**
     * A turn whose earlier exchanges the caller holds rather than a stored conversation (the OpenAI
     * protocol is stateless): the articles are retrieved for the first question (pinned across the
     * turns, as a stored conversation pins them), and nothing is stored.
     *
     * @param history     the earlier exchanges, oldest first
     * @param seed        sampling seed (null: random)
     * @param stop        stop strings beyond the prompt format's own
     */
    public record StatelessRequest(List<PromptBuilder.Exchange> history, String question, Integer maxTokens,
                                   Double temperature, Double topP, Long seed, List<String> stop) {
    }

    /** Starts a turn; the returned future completes with the response once the answer is stored. */
    public Turn consult(ConsultRequest request, Listener listener) {
        validate(request);
        requireAnsweringModel();
        Conversation conversation = request.conversationId() == null ? null : conversations.require(request.conversationId());
        List<PromptBuilder.Exchange> history = conversation == null ? List.of()
                : conversation.turns().stream().map(t -> new PromptBuilder.Exchange(t.question(), t.answer())).toList();
        return run(conversation == null ? ConversationStore.newId() : conversation.id(), conversation == null,
                conversation == null ? null : conversation.articles(), history, request.question(), request.question(),
                request.maxTokens(), request.temperature(), request.topP(), null, List.of(), true, listener);
    }

    /** Starts a turn of a conversation the caller holds ({@link StatelessRequest}); nothing is stored. */
    public Turn answer(StatelessRequest request, Listener listener) {
        validate(new ConsultRequest(request.question(), null, request.maxTokens(), request.temperature(), request.topP()));
        for (PromptBuilder.Exchange exchange : request.history()) {
            if (exchange.question().length() > properties.maxQuestionLength()) {
                throw ApiException.badRequest("an earlier question is longer than " + properties.maxQuestionLength()
                        + " characters");
            }
        }
        requireAnsweringModel();
        String first = request.history().isEmpty() ? request.question() : request.history().get(0).question();
        return run(ConversationStore.newId(), true, null, request.history(), request.question(), first,
                request.maxTokens(), request.temperature(), request.topP(), request.seed(),
                request.stop() == null ? List.of() : request.stop(), false, listener);
    }

    /** Whether answers come from a remote server ({@code lawyer.model.provider=openai}) rather than this JVM's engine. */
    public boolean remote() {
        return remote != null;
    }

    private void requireAnsweringModel() {
        if (remote == null && !engine.isLoaded()) {
            throw new ServiceUnavailableException("no model is loaded: set lawyer.model.path to a checkpoint directory "
                    + "(Hugging Face layout; see the README)" + (engine.loadError() == null ? "" : "; last load error: "
                    + engine.loadError()), 60);
        }
    }

    private Turn run(String id, boolean isNew, List<ConsultResponse.ArticleRef> pinnedArticles,
                     List<PromptBuilder.Exchange> history, String question, String retrievalQuestion,
                     Integer requestedMaxTokens, Double temperature, Double topP, Long seed, List<String> extraStops,
                     boolean store, Listener listener) {
        long started = System.nanoTime();
        boolean articlesUnavailable = false;
        List<ConsultResponse.ArticleRef> articleRefs;
        long retrievalStart = System.nanoTime();
        if (pinnedArticles != null) {
            articleRefs = pinnedArticles;
        } else {
            List<String> earlier = List.of();
            try {
                // Off by default: the model restates the question in legal terms (or drafts an answer) to search with.
                String searched = queryAssist.expand(retrievalQuestion).query();
                List<ArticleRetriever.Hit> hits = retriever.retrieve(
                        new ArticleRetriever.Request(searched, earlier, properties.articles()));
                articleRefs = new ArrayList<>();
                for (ArticleRetriever.Hit hit : hits) {
                    articleRefs.add(new ConsultResponse.ArticleRef(hit.article().id(), hit.article().law(),
                            hit.article().articleLabel(), hit.article().text(),
                            hit.score() == Double.MAX_VALUE ? null : Math.round(hit.score() * 1000) / 1000.0));
                }
            } catch (ServiceUnavailableException e) {
                if (!properties.answerWithoutArticles()) {
                    throw e;
                }
                articlesUnavailable = true;
                articleRefs = List.of();
            }
        }
        long retrievalNanos = System.nanoTime() - retrievalStart;
        long retrievalMs = retrievalNanos / 1_000_000;
        retrievalTimer.record(retrievalNanos, TimeUnit.NANOSECONDS);

        GenerationOptions options = engine.defaultGenerationOptions();
        int maxTokens = requestedMaxTokens != null ? requestedMaxTokens : options.maxNewTokens();
        // The served model's chat format (its template, or Lawyer LLaMA's); a remote server applies its own.
        ChatFormat chat = remote != null ? null : prompts.formatFor(engine.chatFormat());
        List<String> stops = new ArrayList<>(chat == null ? List.of() : chat.stopStrings());
        stops.addAll(extraStops);
        options = options.withMaxNewTokens(maxTokens).withStopStrings(stops).withSeed(seed);
        if (temperature != null) {
            options = options.withTemperature(temperature);
        }
        if (topP != null) {
            options = options.withTopP(topP);
        }
        List<ConsultResponse.ArticleRef> pinned = articleRefs;
        boolean unavailable = articlesUnavailable;
        long[] firstToken = {0};
        TokenListener tokens = (tokenId, text) -> {
            if (firstToken[0] == 0) {
                firstToken[0] = System.nanoTime();
            }
            if (!text.isEmpty()) {
                listener.onToken(text);
            }
        };
        RunningGeneration generation;
        if (remote != null) {
            // The server applies its own chat template to the messages; it refuses (400) what its context cannot hold.
            List<Message> messages = RemoteChatModel.messages(prompts.messages(history, question, pinned));
            listener.onArticles(id, pinned, unavailable);
            generation = remote.submit(messages, options, tokens);
        } else {
            int budget = engine.contextLength() - maxTokens;
            PromptBuilder.BuiltPrompt prompt;
            try {
                prompt = prompts.build(history, question, articleRefs, chat,
                        text -> engine.tokenizer().encode(text, engine.tokenizer().addsBos()).length, budget);
            } catch (PromptBuilder.PromptTooLongException | com.lawyerllama.llama.chat.ChatTemplateException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            listener.onArticles(id, pinned, unavailable);
            generation = engine.submit(prompt.text(), options, tokens);
        }
        inFlight.incrementAndGet();
        var result = generation.result().handle((GenerationResult generated, Throwable error) -> {
            inFlight.decrementAndGet();
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
            }
            return finish(id, isNew, store, question, pinned, unavailable, generated, started, retrievalMs, firstToken[0]);
        });
        return new Turn(result, generation::cancel);
    }

    /** The prompt's messages as Spring AI's, for a server that applies its own chat template. */

    private ConsultResponse finish(String id, boolean isNew, boolean store, String question, List<ConsultResponse.ArticleRef> pinned,
                                   boolean unavailable, GenerationResult generated, long started, long retrievalMs,
                                   long firstTokenAt) {
        long now = System.nanoTime();
        String answer = generated.text().strip();
        List<ConsultResponse.CitationCheck> checks = citations.check(answer, pinned);
        long firstTokenMs = firstTokenAt == 0 ? 0 : (firstTokenAt - started) / 1_000_000;
        ConsultResponse.Usage usage = new ConsultResponse.Usage(generated.promptTokens(), generated.generatedTokens());
        ConsultResponse.Timings timings = new ConsultResponse.Timings(retrievalMs, firstTokenMs,
                generated.totalNanos() / 1_000_000, (now - started) / 1_000_000);
        promptTokens.increment(generated.promptTokens());
        completionTokens.increment(generated.generatedTokens());
        if (firstTokenAt != 0) {
            firstTokenTimer.record(firstTokenAt - started, TimeUnit.NANOSECONDS);
        }
        generationTimer.record(generated.totalNanos(), TimeUnit.NANOSECONDS);
        if (store && generated.finishReason() != GenerationResult.FinishReason.CANCELLED) {
            try {
                conversations.append(id, pinned, new Conversation.Turn(question, answer, Instant.now(),
                        pinned, checks, usage, timings), isNew);
            } catch (RuntimeException e) {
                if (!unavailable) {
                    throw new ServiceUnavailableException("the answer could not be stored: " + e.getMessage(), 10);
                }
                log.warn("Conversation {} not stored (Elasticsearch unavailable): {}", id, e.getMessage());
            }
        }
        String finishReason = switch (generated.finishReason()) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
        return new ConsultResponse(id, answer, pinned, checks, usage, timings, unavailable ? Boolean.TRUE : null,
                finishReason);
    }
}
