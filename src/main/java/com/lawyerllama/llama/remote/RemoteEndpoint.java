package com.lawyerllama.llama.remote;

/**
 * A remote OpenAI-compatible server: its base URL (ending in {@code /v1} for vLLM, Ollama, llama.cpp,
 * DJL Serving LMI and this service), the API key it wants (may be empty) and the model to ask for.
 */
public record RemoteEndpoint(String baseUrl, String apiKey, String model) {

    public RemoteEndpoint {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("spring.ai.openai.base-url is required with lawyer.model.provider=openai "
                    + "(for example http://localhost:11434/v1 for Ollama, http://localhost:8000/v1 for vLLM)");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("spring.ai.openai.chat.options.model is required with "
                    + "lawyer.model.provider=openai (the model name the server lists under GET /v1/models)");
        }
        baseUrl = baseUrl.strip().replaceAll("/+$", "");
        apiKey = apiKey == null ? "" : apiKey.strip();
        model = model.strip();
    }

    /** For logs and health: never the key itself, only whether one is set. */
    @Override
    public String toString() {
        return "RemoteEndpoint[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey.isEmpty() ? "none" : "set") + "]";
    }
}
