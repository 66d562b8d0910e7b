package com.lawyerllama.dataset;

import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import com.lawyerllama.llama.remote.RemoteChatModel;
import com.lawyerllama.llama.remote.RemoteEndpoint;
import com.lawyerllama.llama.remote.RemoteModelProperties;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * A teacher on any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp's server, this
 * service's own {@code /v1}), asked through the client the service uses for a remote answering model
 * ({@link RemoteChatModel}: Spring AI's OpenAI chat model, the SDK's own retries off):
 * {@link TeacherCalls} retries, paces and counts. Unlike the consultation flow, which turns every
 * failure into a status for its caller, a build needs to tell them apart:
 * 429/5xx/IO → unavailable, 401/403/404 → fatal, other 4xx and unreadable replies → refused.
 */
public final class OpenAiTeacher implements Teacher {
    private final String baseUrl;
    private final String model;
    private final ChatModel chatModel;

    /**
     * @param baseUrl the endpoint's base URL, ending in {@code /v1} for most servers
     * @param apiKey  may be empty for servers that want none
     * @param timeout longest a whole reply may take
     */
    public OpenAiTeacher(String baseUrl, String apiKey, String model, Duration timeout) {
        if (baseUrl == null || !baseUrl.strip().matches("(?i)https?://\\S+")) {
            throw new IllegalArgumentException("teacher base URL must be an http(s) URL, got " + baseUrl);
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("teacher model is required (the name the endpoint lists under GET /models)");
        }
        RemoteEndpoint endpoint = new RemoteEndpoint(baseUrl, apiKey, model);
        this.baseUrl = endpoint.baseUrl();
        this.model = endpoint.model();
        // The remote model client of lawyer.model.provider=openai; a reply may take the whole timeout.
        this.chatModel = new RemoteChatModel(endpoint, new RemoteModelProperties(Duration.ofSeconds(10), timeout, timeout,
                10, Duration.ofSeconds(3))).chatModel();
    }

    @Override
    public Reply chat(List<Teacher.Message> messages, double temperature, int maxTokens) {
        List<org.springframework.ai.chat.messages.Message> prompt = messages.stream().map(m -> RemoteChatModel.message(m.role(), m.content())).toList();
        OpenAiChatOptions options = OpenAiChatOptions.builder().model(model).temperature(temperature).maxTokens(maxTokens).build();
        ChatResponse response;
        try {
            response = chatModel.call(new Prompt(prompt, options));
        } catch (RuntimeException e) {
            throw classify(e);
        }
        if (response == null || response.getResult() == null || response.getResult().getOutput() == null) {
            throw new Failure(Failure.Kind.REFUSED, "the teacher's reply has no choice", null);
        }
        String text = response.getResult().getOutput().getText();
        String finish = response.getResult().getMetadata() == null ? null : response.getResult().getMetadata().getFinishReason();
        Usage usage = response.getMetadata() == null ? null : response.getMetadata().getUsage();
        return new Reply(text == null ? "" : text, finish == null ? null : finish.toLowerCase(Locale.ROOT),
                usage == null || usage.getPromptTokens() == null ? 0 : usage.getPromptTokens(),
                usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens());
    }

    public String baseUrl() {
        return baseUrl;
    }

    public String model() {
        return model;
    }

    @Override
    public String describe() {
        return model + " at " + baseUrl;
    }


    /** The failure kind of an error from the SDK (wrapped or not). */
    static Failure classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OpenAIServiceException e) {
                return new Failure(Failure.ofStatus(e.statusCode()), "HTTP " + e.statusCode() + ": " + e.getMessage(), error);
            }
            if (t instanceof InterruptedIOException || t instanceof ConnectException || t instanceof OpenAIIoException) {
                return new Failure(Failure.Kind.UNAVAILABLE, "no answer: " + t.getMessage(), error);
            }
            if (t instanceof OpenAIInvalidDataException) {
                return new Failure(Failure.Kind.REFUSED, "a reply that is not a chat completion: " + t.getMessage(), error);
            }
        }
        return new Failure(Failure.Kind.UNAVAILABLE, error.toString(), error);
    }
}
