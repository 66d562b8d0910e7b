package com.lawyerllama.openai;

import com.lawyerllama.consult.ConsultProperties;
import com.lawyerllama.consult.ConsultResponse;
import com.lawyerllama.consult.ConsultationService;
import com.lawyerllama.consult.PromptBuilder;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.llama.chat.ChatTemplateException;
import com.lawyerllama.system.ServiceUnavailableException;
import com.lawyerllama.llama.RunningGeneration;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.remote.RemoteChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.springframework.ai.chat.messages.Message;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * Translates the protocol's requests to the service's own: the consultation model to
 * {@link ConsultationService} (retrieval, the consultation prompt, the answer, the citation
 * check), the served model's plain chat to the engine (or the remote server). Engine and
 * consultation types stay on this side; the controller sees {@link Completion}s.
 */
@Service
public class OpenAiChatService {
    private final ConsultationService consultations;
    private final LlamaEngine engine;
    private final RemoteChatModel remote;
    private final OpenAiProperties properties;
    private final ConsultProperties consult;
    private final long startedAt = System.currentTimeMillis() / 1000;

    public OpenAiChatService(ConsultationService consultations, LlamaEngine engine, ObjectProvider<RemoteChatModel> remote,
                             OpenAiProperties properties, ConsultProperties consult) {
        this.consultations = consultations;
        this.engine = engine;
        this.remote = remote.getIfAvailable();
        this.properties = properties;
        this.consult = consult;
    }

    /**
     * A finished answer.
     *
     * @param finishReason {@code stop} or {@code length}
     * @param articles     the consultation model's reference articles (null for plain chat)
     * @param citations    the consultation model's checked citations (null for plain chat)
     */
    public record Completion(String text, String finishReason, int promptTokens, int completionTokens,
                             List<ConsultResponse.ArticleRef> articles, List<ConsultResponse.CitationCheck> citations) {
    }

    /** An answer under way. */
    public record Running(CompletableFuture<Completion> result, Runnable cancel) {
    }

    /** The largest max_tokens a request may ask for (as for {@code /consult}). */
    public int maxTokensLimit() {
        return consult.maxTokensLimit();
    }

    /** The models served: the consultation model, and the answering model's plain chat when there is one. */
    public List<OpenAiProtocol.ModelCard> models() {
        List<OpenAiProtocol.ModelCard> models = new ArrayList<>();
        models.add(new OpenAiProtocol.ModelCard(properties.consultationModel(), startedAt, "lawyer-llama"));
        String plain = plainModel();
        if (plain != null && !plain.equals(properties.consultationModel())) {
            models.add(new OpenAiProtocol.ModelCard(plain, startedAt, remote != null ? "remote" : "lawyer-llama"));
        }
        return models;
    }

    /** The id of the plain chat model: the served checkpoint's directory name, or the remote model's name; null: none. */
    private String plainModel() {
        if (remote != null) {
            return remote.endpoint().model();
        }
        return engine.isLoaded() ? engine.modelName() : null;
    }

    public boolean serves(String model) {
        return models().stream().anyMatch(m -> m.id().equals(model));
    }

    /**
     * Starts an answer; {@code deltas} receives its text as it is generated, whitespace at both
     * ends removed exactly as in the finished {@link Completion#text()}.
     *
     * @throws OpenAiException 404 for a model not served, 400 for messages the model cannot take
     */
    public Running start(ChatCompletionRequest request, Consumer<String> deltas) {
        Consumer<String> stripped = new StrippedText(deltas);
        if (request.model().equals(properties.consultationModel())) {
            return consultation(request, stripped);
        }
        if (!request.model().equals(plainModel())) {
            throw OpenAiException.modelNotFound(request.model());
        }
        return plainChat(request, stripped);
    }

    private Running consultation(ChatCompletionRequest request, Consumer<String> deltas) {
        List<ChatCompletionRequest.Message> turns = request.messages().stream()
                .filter(m -> !"system".equals(m.role())).toList();
        List<PromptBuilder.Exchange> history = new ArrayList<>();
        for (int i = 0; i < turns.size(); i++) {
            String expected = i % 2 == 0 ? "user" : "assistant";
            if (!expected.equals(turns.get(i).role())) {
                throw OpenAiException.invalid("messages", "The consultation model takes user and assistant messages in turn, "
                        + "starting and ending with a user message (system messages are replaced by its own instructions); "
                        + "message " + (i + 1) + " after the system messages is '" + turns.get(i).role() + "'.");
            }
        }
        if (turns.isEmpty() || turns.size() % 2 == 0) {
            throw OpenAiException.invalid("messages", "The consultation model needs a user message last (the question).");
        }
        for (int i = 0; i + 1 < turns.size(); i += 2) {
            history.add(new PromptBuilder.Exchange(turns.get(i).content(), turns.get(i + 1).content()));
        }
        String question = turns.get(turns.size() - 1).content();
        ConsultationService.Turn turn = consultations.answer(new ConsultationService.StatelessRequest(history, question,
                request.maxTokens(), request.temperature(), request.topP(), request.seed(), request.stop()),
                new ConsultationService.Listener() {
                    @Override
                    public void onArticles(String conversationId, List<ConsultResponse.ArticleRef> articles, boolean unavailable) {
                    }

                    @Override
                    public void onToken(String text) {
                        deltas.accept(text);
                    }
                });
        CompletableFuture<Completion> result = turn.result().thenApply(r -> new Completion(r.answer(), r.finishReason(),
                r.usage().promptTokens(), r.usage().completionTokens(), r.articles(), r.citations()));
        return new Running(result, turn.cancel());
    }

    private Running plainChat(ChatCompletionRequest request, Consumer<String> deltas) {
        List<Message> messages = request.messages().stream().map(m -> RemoteChatModel.message(m.role(), m.content())).toList();
        GenerationOptions options = engine.defaultGenerationOptions();
        if (request.maxTokens() != null) {
            options = options.withMaxNewTokens(request.maxTokens());
        }
        if (request.temperature() != null) {
            options = options.withTemperature(request.temperature());
        }
        if (request.topP() != null) {
            options = options.withTopP(request.topP());
        }
        options = options.withSeed(request.seed());
        TokenListener listener = (id, text) -> {
            if (!text.isEmpty()) {
                deltas.accept(text);
            }
        };
        RunningGeneration generation;
        if (remote != null) {
            generation = remote.submit(messages, options.withStopStrings(request.stop()), listener);
        } else {
            // The checkpoint's own chat format: its template, or Lawyer LLaMA's ### Human: turns without one.
            ChatFormat chat = engine.chatFormat();
            if (chat == null) {
                throw new ServiceUnavailableException("no model is loaded", 60);
            }
            List<ChatMessage> turns = request.messages().stream()
                    .map(m -> new ChatMessage(m.role(), m.content())).toList();
            List<String> stops = new ArrayList<>(chat.stopStrings());
            stops.addAll(request.stop());
            String prompt;
            try {
                prompt = chat.render(turns, true);
            } catch (ChatTemplateException e) {
                throw OpenAiException.invalid("messages", e.getMessage());
            }
            generation = engine.submit(prompt, options.withStopStrings(stops), listener);
        }
        CompletableFuture<Completion> result = generation.result().thenApply(r -> new Completion(r.text().strip(),
                r.finishReason() == GenerationResult.FinishReason.LENGTH ? "length" : "stop", r.promptTokens(),
                r.generatedTokens(), null, null));
        return new Running(result, generation::cancel);
    }
}
