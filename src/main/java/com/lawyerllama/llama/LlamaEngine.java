package com.lawyerllama.llama;

import ai.djl.Device;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * The one loaded model, shared by every request: a fixed number of generations run at once
 * (each with its own KV cache), a bounded queue waits behind them, and anything beyond that
 * is refused with {@link EngineBusyException} at once rather than piling up.
 *
 * <p>It is the application's Spring AI {@link ChatModel} (blocking and streaming).
 */
public class LlamaEngine implements ChatModel, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LlamaEngine.class);

    private final Path path;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final String loadError;
    private final GenerationOptions defaults;
    private final ThreadPoolExecutor workers;
    private final int maxConcurrency;
    private final int queueCapacity;
    private final AtomicInteger running = new AtomicInteger();

    /** An engine over an already loaded model (or {@code model == null} for "no model"). */
    public LlamaEngine(Path path, LlamaModel model, Tokenizer tokenizer, String loadError, GenerationOptions defaults,
                       int maxConcurrency, int queueCapacity) {
        if (maxConcurrency < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException("max-concurrency must be ≥ 1 and queue-capacity ≥ 0");
        }
        this.path = path;
        this.model = model;
        this.tokenizer = tokenizer;
        this.loadError = loadError;
        this.defaults = defaults;
        this.maxConcurrency = maxConcurrency;
        this.queueCapacity = queueCapacity;
        BlockingQueue<Runnable> queue = queueCapacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueCapacity);
        AtomicInteger threadCount = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(maxConcurrency, maxConcurrency, 60, TimeUnit.SECONDS, queue, r -> {
            Thread t = new Thread(r, "llama-generate-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Loads the model that {@code properties.path()} names; a failure is logged and reported by health, not thrown. */
    public static LlamaEngine fromProperties(ModelProperties properties) {
        Path path = properties.path();
        LlamaModel model = null;
        Tokenizer tokenizer = null;
        String error = null;
        if (path == null) {
            log.info("lawyer.model.path is not set: no model is loaded");
        } else {
            try {
                long start = System.nanoTime();
                tokenizer = Tokenizers.load(path);
                model = LlamaModel.load(path, LlamaModel.defaultDevice(), properties.contextLength());
                log.info("Loaded {} ({} parameters, {} on {}) in {} ms", path, model.parameterCount(), model.dataType(),
                        model.device(), (System.nanoTime() - start) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
                log.error("Could not load the model at {}: {}", path, error);
                if (model != null) {
                    model.close();
                    model = null;
                }
            }
        }
        return new LlamaEngine(path, model, tokenizer, error, properties.defaultOptions(),
                properties.maxConcurrency(), properties.queueCapacity());
    }

    /** A generation in progress. */
    public static final class Task {
        private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();

        /** Completes with the result, or exceptionally (e.g. {@link ContextLengthExceededException}). */
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        /** Stops the generation after the current token (callable from any thread). */
        public void cancel() {
            cancelled.set(true);
        }
    }

    /**
     * Queues a generation.
     *
     * @throws EngineBusyException     when all slots and the queue are taken
     * @throws ModelNotLoadedException when there is no model
     */
    public Task submit(String prompt, GenerationOptions options, TokenListener listener) {
        Tokenizer tok = requireTokenizer();
        return submit(() -> tok.encode(prompt, true), options, listener);
    }

    /** Queues a generation after the given prompt tokens (BOS included by the caller). */
    public Task submit(int[] promptTokens, GenerationOptions options, TokenListener listener) {
        return submit(() -> promptTokens, options, listener);
    }

    private Task submit(java.util.function.Supplier<int[]> prompt, GenerationOptions options, TokenListener listener) {
        requireTokenizer();
        Task task = new Task();
        Generator generator = new Generator(model, tokenizer);
        try {
            workers.execute(() -> {
                if (task.cancelled.get()) {
                    task.result.complete(new GenerationResult("", 0, 0, GenerationResult.FinishReason.CANCELLED, 0, 0));
                    return;
                }
                running.incrementAndGet();
                try {
                    task.result.complete(generator.generate(prompt.get(), options, listener, task.cancelled::get));
                } catch (Throwable e) {
                    task.result.completeExceptionally(e);
                } finally {
                    running.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            throw new EngineBusyException(running.get(), workers.getQueue().size(), 1 + workers.getQueue().size());
        }
        return task;
    }

    /** Streams the generated text (one element per non-empty piece); disposing the subscription cancels. */
    public Flux<String> stream(String prompt, GenerationOptions options) {
        return Flux.create(sink -> {
            Task task = submit(prompt, options, (id, text) -> {
                if (!text.isEmpty()) {
                    sink.next(text);
                }
            });
            sink.onDispose(task::cancel);
            task.result().whenComplete((r, e) -> {
                if (e != null) {
                    sink.error(e);
                } else {
                    sink.complete();
                }
            });
        });
    }

    // ---------------------------------------------------------------------------------------
    // Spring AI ChatModel

    @Override
    public ChatResponse call(Prompt prompt) {
        GenerationOptions options = optionsFor(prompt.getOptions());
        Task task = submit(PromptFormat.render(prompt.getInstructions()), options, TokenListener.NONE);
        try {
            return response(task.result().join(), true, null);
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        GenerationOptions options = optionsFor(prompt.getOptions());
        String text = PromptFormat.render(prompt.getInstructions());
        return Flux.create(sink -> {
            Task task = submit(text, options, (id, piece) -> {
                if (!piece.isEmpty()) {
                    sink.next(new ChatResponse(List.of(new Generation(new AssistantMessage(piece)))));
                }
            });
            sink.onDispose(task::cancel);
            task.result().whenComplete((r, e) -> {
                if (e != null) {
                    sink.error(e);
                } else {
                    sink.next(response(r, false, ""));
                    sink.complete();
                }
            });
        });
    }

    @Override
    public ChatOptions getDefaultOptions() {
        return ChatOptions.builder().model(modelName()).temperature(defaults.temperature()).topP(defaults.topP())
                .maxTokens(defaults.maxNewTokens()).stopSequences(PromptFormat.STOP_STRINGS).build();
    }

    private GenerationOptions optionsFor(ChatOptions chat) {
        GenerationOptions o = defaults.withStopStrings(PromptFormat.STOP_STRINGS);
        if (chat == null) {
            return o;
        }
        if (chat.getTemperature() != null) {
            o = o.withTemperature(chat.getTemperature());
        }
        if (chat.getTopP() != null) {
            o = o.withTopP(chat.getTopP());
        }
        if (chat.getTopK() != null) {
            o = o.withTopK(chat.getTopK());
        }
        if (chat.getMaxTokens() != null) {
            o = o.withMaxNewTokens(chat.getMaxTokens());
        }
        if (chat.getStopSequences() != null && !chat.getStopSequences().isEmpty()) {
            List<String> stops = new ArrayList<>(PromptFormat.STOP_STRINGS);
            stops.addAll(chat.getStopSequences());
            o = o.withStopStrings(stops);
        }
        return o;
    }

    private ChatResponse response(GenerationResult r, boolean withText, String overrideText) {
        String finish = switch (r.finishReason()) {
            case STOP -> "STOP";
            case LENGTH -> "LENGTH";
            case CANCELLED -> "CANCELLED";
        };
        String text = overrideText != null ? overrideText : r.text();
        Generation generation = new Generation(new AssistantMessage(withText ? text.strip() : text),
                ChatGenerationMetadata.builder().finishReason(finish).build());
        ChatResponseMetadata metadata = ChatResponseMetadata.builder()
                .model(modelName())
                .usage(new DefaultUsage(r.promptTokens(), r.generatedTokens()))
                .keyValue("time-to-first-token-ms", r.timeToFirstTokenNanos() / 1_000_000)
                .keyValue("total-ms", r.totalNanos() / 1_000_000)
                .build();
        return new ChatResponse(List.of(generation), metadata);
    }

    // ---------------------------------------------------------------------------------------

    public boolean isLoaded() {
        return model != null;
    }

    /** What health and info report. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("loaded", isLoaded());
        d.put("path", path == null ? "(lawyer.model.path not set)" : path.toString());
        if (loadError != null) {
            d.put("error", loadError);
        }
        if (model != null) {
            LlamaConfig c = model.config();
            d.put("device", model.device().toString());
            d.put("dtype", model.dataType().toString());
            d.put("parameters", model.parameterCount());
            d.put("layers", c.numHiddenLayers());
            d.put("hiddenSize", c.hiddenSize());
            d.put("vocabSize", c.vocabSize());
            d.put("contextLength", model.contextLength());
        }
        d.put("maxConcurrency", maxConcurrency);
        d.put("queueCapacity", queueCapacity);
        d.put("running", running.get());
        d.put("queued", workers.getQueue().size());
        return d;
    }

    public String loadError() {
        return loadError;
    }

    public Path path() {
        return path;
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    private String modelName() {
        return path == null ? "llama" : String.valueOf(path.getFileName());
    }

    private Tokenizer requireTokenizer() {
        if (model == null) {
            throw new ModelNotLoadedException(loadError != null ? "the model failed to load: " + loadError
                    : "no model is configured (set lawyer.model.path)");
        }
        return tokenizer;
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (model != null) {
            model.close();
        }
    }

    static Device device() {
        return LlamaModel.defaultDevice();
    }
}
