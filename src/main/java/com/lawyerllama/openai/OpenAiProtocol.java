package com.lawyerllama.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.lawyerllama.consult.ConsultResponse;
import java.util.List;

/**
 * The OpenAI chat completions protocol's response types, as vLLM and Ollama serve them, declared
 * once. The consultation model adds {@code articles} and {@code citations} to the message (and to
 * the final stream chunk's delta): standard clients ignore them.
 */
public final class OpenAiProtocol {
    private OpenAiProtocol() {
    }

    public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
                                 Usage usage) {
        public ChatCompletion(String id, long created, String model, List<Choice> choices, Usage usage) {
            this(id, "chat.completion", created, model, choices, usage);
        }
    }

    public record Choice(int index, ResponseMessage message, @JsonProperty("finish_reason") String finishReason) {
    }

    public record ResponseMessage(String role, String content, List<ConsultResponse.ArticleRef> articles,
                                  List<ConsultResponse.CitationCheck> citations) {
    }

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
                        @JsonProperty("completion_tokens") int completionTokens,
                        @JsonProperty("total_tokens") int totalTokens) {
        public Usage(int promptTokens, int completionTokens) {
            this(promptTokens, completionTokens, promptTokens + completionTokens);
        }
    }

    public record ChatCompletionChunk(String id, String object, long created, String model, List<ChunkChoice> choices,
                                      Usage usage) {
        public ChatCompletionChunk(String id, long created, String model, List<ChunkChoice> choices, Usage usage) {
            this(id, "chat.completion.chunk", created, model, choices, usage);
        }
    }

    public record ChunkChoice(int index, Delta delta, @JsonProperty("finish_reason") String finishReason) {
    }

    public record Delta(String role, String content, List<ConsultResponse.ArticleRef> articles,
                        List<ConsultResponse.CitationCheck> citations) {
    }

    public record ModelList(String object, List<ModelCard> data) {
        public ModelList(List<ModelCard> data) {
            this("list", data);
        }
    }

    public record ModelCard(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
        public ModelCard(String id, long created, String ownedBy) {
            this(id, "model", created, ownedBy);
        }
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}: param and code are null when they do not apply. */
    public record ErrorBody(Error error) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Error(String message, String type, String param, String code) {
    }
}
