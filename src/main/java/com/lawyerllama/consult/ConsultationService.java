package com.lawyerllama.consult;

import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.chat.ChatFormat;
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
    private final ArticleRetriever retriever;
    private final ConversationStore conversations;
    private final PromptBuilder prompts;
    private final CitationChecker citations;
    private final ConsultProperties properties;
    private final Timer retrievalTimer;
    private final Timer firstTokenTimer;
    private final Timer generationTimer;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final AtomicInteger inFlight = new AtomicInteger();

    public ConsultationService(LlamaEngine engine, ArticleRetriever retriever, ConversationStore conversations,
                               PromptBuilder prompts, CitationChecker citations, ConsultProperties properties,
                               MeterRegistry meters) {
        this.engine = engine;
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
        if (request.question().length() > properties.maxQuestionLength()) {
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

    /** Starts a turn; the returned future completes with the response once the answer is stored. */
    public Turn consult(ConsultRequest request, Listener listener) {
        validate(request);
        if (!engine.isLoaded()) {
            throw new ServiceUnavailableException("no model is loaded: set lawyer.model.path to a checkpoint directory "
                    + "(Hugging Face layout; see the README)" + (engine.loadError() == null ? "" : "; last load error: "
                    + engine.loadError()), 60);
        }
        long started = System.nanoTime();
        Conversation conversation = request.conversationId() == null ? null : conversations.require(request.conversationId());
        String id = conversation == null ? ConversationStore.newId() : conversation.id();

        boolean articlesUnavailable = false;
        List<ConsultResponse.ArticleRef> articleRefs;
        long retrievalStart = System.nanoTime();
        if (conversation != null) {
            articleRefs = conversation.articles();
        } else {
            List<String> earlier = List.of();
            try {
                List<ArticleRetriever.Hit> hits = retriever.retrieve(
                        new ArticleRetriever.Request(request.question(), earlier, properties.articles()));
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
        int maxTokens = request.maxTokens() != null ? request.maxTokens() : options.maxNewTokens();
        ChatFormat chat = prompts.formatFor(engine.chatFormat());
        options = options.withMaxNewTokens(maxTokens).withStopStrings(chat.stopStrings());
        if (request.temperature() != null) {
            options = options.withTemperature(request.temperature());
        }
        if (request.topP() != null) {
            options = options.withTopP(request.topP());
        }
        List<PromptBuilder.Exchange> history = conversation == null ? List.of()
                : conversation.turns().stream().map(t -> new PromptBuilder.Exchange(t.question(), t.answer())).toList();
        int budget = engine.contextLength() - maxTokens;
        PromptBuilder.BuiltPrompt prompt;
        try {
            prompt = prompts.build(history, request.question(), articleRefs, chat,
                    text -> engine.tokenizer().encode(text, engine.tokenizer().addsBos()).length, budget);
        } catch (PromptBuilder.PromptTooLongException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (com.lawyerllama.llama.chat.ChatTemplateException e) {
            throw ApiException.badRequest(e.getMessage());
        }

        List<ConsultResponse.ArticleRef> pinned = articleRefs;
        boolean unavailable = articlesUnavailable;
        listener.onArticles(id, pinned, unavailable);
        long[] firstToken = {0};
        LlamaEngine.Task task = engine.submit(prompt.text(), options, (tokenId, text) -> {
            if (firstToken[0] == 0) {
                firstToken[0] = System.nanoTime();
            }
            if (!text.isEmpty()) {
                listener.onToken(text);
            }
        });
        inFlight.incrementAndGet();
        var result = task.result().handle((GenerationResult generated, Throwable error) -> {
            inFlight.decrementAndGet();
            if (error != null) {
                throw error instanceof RuntimeException re ? re : new IllegalStateException(error);
            }
            return finish(id, conversation == null, request, pinned, unavailable, generated, started, retrievalMs, firstToken[0]);
        });
        return new Turn(result, task::cancel);
    }

    private ConsultResponse finish(String id, boolean isNew, ConsultRequest request, List<ConsultResponse.ArticleRef> pinned,
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
        if (generated.finishReason() != GenerationResult.FinishReason.CANCELLED) {
            try {
                conversations.append(id, pinned, new Conversation.Turn(request.question(), answer, Instant.now(),
                        pinned, checks, usage, timings), isNew);
            } catch (RuntimeException e) {
                if (!unavailable) {
                    throw new ServiceUnavailableException("the answer could not be stored: " + e.getMessage(), 10);
                }
                log.warn("Conversation {} not stored (Elasticsearch unavailable): {}", id, e.getMessage());
            }
        }
        return new ConsultResponse(id, answer, pinned, checks, usage, timings, unavailable ? Boolean.TRUE : null);
    }
}
