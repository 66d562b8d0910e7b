package com.lawyerllama.llama.remote;

import com.lawyerllama.llama.EngineBusyException;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.RunningGeneration;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.ServiceUnavailableException;
import com.openai.core.Timeout;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model on a remote OpenAI-compatible server (vLLM, Ollama, llama.cpp's server, DJL Serving LMI,
 * OpenAI, or another instance of this service), asked through Spring AI's {@link OpenAiChatModel}
 * with chat messages. The server applies its own chat template.
 *
 * <p>Failures never hang and never surface as a 500: the server's 429 becomes
 * {@link EngineBusyException} (429 with Retry-After), a server error, a refused connection or a
 * timeout becomes {@link ServiceUnavailableException} (503 with Retry-After), the server's 400
 * (typically: the prompt is longer than its context) a 400. No retries: the caller decides.
 *
 * <p>Reusable wherever the service needs a remote model ({@link #chatModel()} for Spring AI code,
 * {@link #submit} for a streamed generation, {@link #complete} for a blocking one).
 */
public class RemoteChatModel {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** OpenAI allows at most this many stop sequences. */
    private static final int MAX_STOPS = 4;

    private final RemoteEndpoint endpoint;
    private final RemoteModelProperties properties;
    private final OpenAiChatModel chatModel;
    private final HttpClient healthClient;

    public RemoteChatModel(RemoteEndpoint endpoint, RemoteModelProperties properties) {
        this.endpoint = endpoint;
        this.properties = properties;
        OpenAiChatOptions.Builder options = OpenAiChatOptions.builder()
                .baseUrl(endpoint.baseUrl())
                // The SDK insists on a key; servers that need none (Ollama, vLLM without --api-key) ignore it.
                .apiKey(endpoint.apiKey().isEmpty() ? "none" : endpoint.apiKey())
                .model(endpoint.model())
                .maxRetries(0)
                .timeout(properties.requestTimeout());
        this.chatModel = OpenAiChatModel.builder()
                .options(options.build())
                .httpClientBuilderCustomizer(http -> http.timeout(Timeout.builder()
                        .connect(properties.connectTimeout())
                        .read(properties.readTimeout())
                        .write(properties.readTimeout())
                        .request(properties.requestTimeout())
                        .build()))
                .build();
        this.healthClient = HttpClient.newBuilder().connectTimeout(properties.healthTimeout()).build();
    }

    /** One chat turn as Spring AI's message: {@code system}, {@code assistant}, anything else a user turn. */
    public static Message message(String role, String content) {
        return switch (role) {
            case ChatMessage.SYSTEM -> new SystemMessage(content);
            case ChatMessage.ASSISTANT -> new AssistantMessage(content);
            default -> new UserMessage(content);
        };
    }

    /** The turns as Spring AI's messages ({@link #message}). */
    public static List<Message> messages(List<ChatMessage> turns) {
        return turns.stream().map(m -> message(m.role(), m.content())).toList();
    }

    public RemoteEndpoint endpoint() {
        return endpoint;
    }

    /** The Spring AI chat model behind this (for code that speaks Spring AI: advisors, ChatClient). */
    public ChatModel chatModel() {
        return chatModel;
    }

    /**
     * Streams an answer to {@code messages}. Options map to the protocol: max tokens, temperature,
     * top-p, seed, up to four stop strings; top-k and the repetition penalty are the server's own.
     * Each text delta goes to {@code listener} as it arrives (token id -1: the server does not say).
     */
    public RunningGeneration submit(List<Message> messages, GenerationOptions options, TokenListener listener) {
        OpenAiChatOptions.Builder request = OpenAiChatOptions.builder()
                .model(endpoint.model())
                .temperature(options.temperature())
                .topP(options.topP())
                .maxTokens(options.maxNewTokens())
                .streamUsage(true);
        if (options.seed() != null) {
            request.seed((int) (long) options.seed());
        }
        if (!options.stopStrings().isEmpty()) {
            request.stop(options.stopStrings().subList(0, Math.min(MAX_STOPS, options.stopStrings().size())));
        }
        CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        AtomicReference<Usage> usage = new AtomicReference<>();
        AtomicReference<String> finish = new AtomicReference<>();
        AtomicBoolean cancelled = new AtomicBoolean();
        long started = System.nanoTime();
        long[] firstToken = {0};
        int[] deltas = {0};
        // The read timeout as the longest silence between two parts of the answer (the first one included),
        // enforced here whatever the HTTP client does with a stream.
        Disposable subscription = chatModel.stream(new Prompt(messages, request.build()))
                .timeout(properties.readTimeout()).subscribe(response -> {
            if (response.getMetadata() != null && response.getMetadata().getUsage() != null
                    && response.getMetadata().getUsage().getCompletionTokens() != null
                    && response.getMetadata().getUsage().getCompletionTokens() > 0) {
                usage.set(response.getMetadata().getUsage());
            }
            if (response.getResult() == null) {
                return;
            }
            String reason = response.getResult().getMetadata() == null ? null
                    : response.getResult().getMetadata().getFinishReason();
            if (reason != null && !reason.isBlank()) {
                finish.set(reason);
            }
            String piece = response.getResult().getOutput() == null ? null : response.getResult().getOutput().getText();
            if (piece != null && !piece.isEmpty()) {
                if (firstToken[0] == 0) {
                    firstToken[0] = System.nanoTime();
                }
                deltas[0]++;
                text.append(piece);
                listener.onToken(-1, piece);
            }
        }, error -> result.completeExceptionally(translate(error)), () -> {
            long now = System.nanoTime();
            Usage u = usage.get();
            GenerationResult.FinishReason reason = cancelled.get() ? GenerationResult.FinishReason.CANCELLED
                    : "length".equalsIgnoreCase(finish.get()) ? GenerationResult.FinishReason.LENGTH
                    : GenerationResult.FinishReason.STOP;
            result.complete(new GenerationResult(text.toString(),
                    u == null || u.getPromptTokens() == null ? 0 : u.getPromptTokens(),
                    u == null || u.getCompletionTokens() == null ? deltas[0] : u.getCompletionTokens(),
                    reason, firstToken[0] == 0 ? 0 : firstToken[0] - started, now - started));
        });
        return new RunningGeneration() {
            @Override
            public CompletableFuture<GenerationResult> result() {
                return result;
            }

            @Override
            public void cancel() {
                if (cancelled.compareAndSet(false, true)) {
                    subscription.dispose();
                    result.complete(new GenerationResult(text.toString(), 0, deltas[0],
                            GenerationResult.FinishReason.CANCELLED, 0, System.nanoTime() - started));
                }
            }
        };
    }

    /** A whole answer, blocking; failures are thrown as {@link #submit}'s are. */
    public GenerationResult complete(List<Message> messages, GenerationOptions options) {
        try {
            return submit(messages, options, TokenListener.NONE).result().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /** A failure of the remote call as the status our callers should see. */
    RuntimeException translate(Throwable error) {
        int retryAfter = properties.retryAfterSeconds();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RateLimitException limited) {
                int serverRetry = limited.headers().values("Retry-After").stream().findFirst()
                        .map(RemoteChatModel::seconds).orElse(retryAfter);
                return new EngineBusyException("the remote model server " + endpoint.baseUrl()
                        + " is busy (429); retry in " + serverRetry + " s", serverRetry);
            }
            if (t instanceof OpenAIServiceException refused) {
                int status = refused.statusCode();
                if (status == 400 || status == 413 || status == 422) {
                    return ApiException.badRequest("the remote model server refused the request (" + status + "): "
                            + refused.getMessage());
                }
                String why = status == 401 || status == 403 ? "refused this service's API key (spring.ai.openai.api-key)"
                        : status == 404 ? "does not serve the model " + endpoint.model() + " (spring.ai.openai.chat.options.model)"
                        : "failed";
                return new ServiceUnavailableException("the remote model server " + endpoint.baseUrl() + " " + why
                        + " (" + status + ")", retryAfter);
            }
            if (t instanceof InterruptedIOException || t instanceof java.util.concurrent.TimeoutException) {
                return new ServiceUnavailableException("the remote model server " + endpoint.baseUrl()
                        + " did not answer in time (lawyer.model.remote.read-timeout " + properties.readTimeout().toSeconds()
                        + " s)", retryAfter);
            }
            if (t instanceof ConnectException) {
                return new ServiceUnavailableException("the remote model server " + endpoint.baseUrl()
                        + " cannot be reached: " + t.getMessage(), retryAfter);
            }
        }
        if (error instanceof OpenAIIoException || error instanceof IOException) {
            return new ServiceUnavailableException("the remote model server " + endpoint.baseUrl() + " failed: "
                    + error.getMessage(), retryAfter);
        }
        if (error instanceof EngineBusyException || error instanceof ServiceUnavailableException || error instanceof ApiException) {
            return (RuntimeException) error;
        }
        return new ServiceUnavailableException("the remote model server " + endpoint.baseUrl() + " failed: "
                + error.getMessage(), retryAfter);
    }

    private static int seconds(String value) {
        try {
            return Math.max(1, (int) Math.ceil(Double.parseDouble(value.strip())));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * What health shows: the endpoint (never the key), whether {@code GET /models} answered, whether
     * it lists the configured model, and how long the check took.
     */
    public Map<String, Object> check() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("provider", "openai");
        d.put("baseUrl", endpoint.baseUrl());
        d.put("model", endpoint.model());
        d.put("apiKey", endpoint.apiKey().isEmpty() ? "none" : "set");
        long start = System.nanoTime();
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + "/models"))
                    .timeout(properties.healthTimeout()).GET();
            if (!endpoint.apiKey().isEmpty()) {
                request.header("Authorization", "Bearer " + endpoint.apiKey());
            }
            HttpResponse<String> response = healthClient.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            d.put("reachable", true);
            d.put("status", response.statusCode());
            boolean listed = false;
            if (response.statusCode() == 200) {
                for (JsonNode model : JSON.readTree(response.body()).path("data")) {
                    listed |= endpoint.model().equals(model.path("id").asString());
                }
            }
            d.put("modelListed", listed);
        } catch (IOException | RuntimeException e) {
            d.put("reachable", false);
            d.put("error", e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.put("reachable", false);
            d.put("error", "interrupted");
        }
        d.put("latencyMs", (System.nanoTime() - start) / 1_000_000);
        return d;
    }

    /** Whether {@link #check()} found the server up and serving the model. */
    public static boolean healthy(Map<String, Object> check) {
        return Boolean.TRUE.equals(check.get("reachable")) && Boolean.TRUE.equals(check.get("modelListed"));
    }
}
