package com.lawyerllama.llama;

import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
 * The one loaded model, shared by every request: up to {@code max-concurrency} generations
 * are decoded together as one batch (continuous batching, see {@link BatchScheduler}), a
 * bounded queue waits behind them, and anything beyond that is refused with
 * {@link EngineBusyException} at once rather than piling up.
 *
 * <p>It is the application's Spring AI {@link ChatModel} (blocking and streaming).
 */
public class LlamaEngine implements ChatModel, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LlamaEngine.class);

    private final GenerationOptions defaults;
    private final int maxConcurrency;
    private final int queueCapacity;
    private final int contextLength;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private volatile Path path;
    private volatile String loadError;

    /** A model being served: the model, its tokenizer and the scheduler that runs its generations. */
    private record Loaded(Path path, LlamaModel model, Tokenizer tokenizer, BatchScheduler scheduler, Set<Integer> eosIds) {
    }

    /** An engine over an already loaded model (or {@code model == null} for "no model"). */
    public LlamaEngine(Path path, LlamaModel model, Tokenizer tokenizer, String loadError, GenerationOptions defaults,
                       int maxConcurrency, int queueCapacity) {
        if (maxConcurrency < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException("max-concurrency must be ≥ 1 and queue-capacity ≥ 0");
        }
        this.path = path;
        this.loadError = loadError;
        this.defaults = defaults;
        this.maxConcurrency = maxConcurrency;
        this.queueCapacity = queueCapacity;
        this.contextLength = model == null ? 2048 : model.contextLength();
        if (model != null) {
            current.set(serve(path, model, tokenizer));
        }
    }

    private Loaded serve(Path dir, LlamaModel model, Tokenizer tokenizer) {
        return new Loaded(dir, model, tokenizer, new BatchScheduler(model, maxConcurrency, queueCapacity),
                new Generator(model, tokenizer).eosIds());
    }

    /**
     * Loads the model in {@code dir} and serves it from now on, without downtime: requests
     * already running or queued finish on the previous model, which is then closed.
     *
     * @throws IOException or {@link ModelFormatException} when {@code dir} cannot be loaded (the current model stays)
     */
    public void activate(Path dir) throws IOException {
        long start = System.nanoTime();
        LlamaConfig.read(dir);
        Tokenizer tokenizer = Tokenizers.load(dir);
        LlamaModel model = LlamaModel.load(dir, LlamaModel.defaultDevice(), contextLength);
        Loaded previous = current.getAndSet(serve(dir, model, tokenizer));
        path = dir;
        loadError = null;
        log.info("Activated {} ({} parameters) in {} ms", dir, model.parameterCount(), (System.nanoTime() - start) / 1_000_000);
        if (previous != null) {
            Thread retire = new Thread(() -> {
                previous.scheduler().drainAndClose();
                previous.model().close();
                log.info("Closed the previous model {}", previous.path());
            }, "llama-retire");
            retire.setDaemon(true);
            retire.start();
        }
    }

    /** Loads the model that {@code properties.path()} names; a failure is logged and reported by health, not thrown. */
    public static LlamaEngine fromProperties(ModelProperties properties) {
        return fromProperties(properties, Path.of(""));
    }

    /** As {@link #fromProperties(ModelProperties)}, with a relative path taken from {@code workingDirectory}. */
    static LlamaEngine fromProperties(ModelProperties properties, Path workingDirectory) {
        Path path = properties.path() == null || properties.path().toString().isBlank() ? null
                : workingDirectory.resolve(properties.path());
        LlamaModel model = null;
        Tokenizer tokenizer = null;
        String error = null;
        if (path == null) {
            log.info("lawyer.model.path is empty: no model is loaded");
        } else if (properties.isDefaultPath() && !Files.isDirectory(path)) {
            log.info("No model is loaded: the default model directory {} is not in the working directory {} "
                    + "(set lawyer.model.path to a checkpoint directory)", properties.path(), workingDirectory.toAbsolutePath());
            path = null;
        } else {
            try {
                long start = System.nanoTime();
                LlamaConfig.read(path);   // names a missing config.json before anything else
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
    public static final class Task implements RunningGeneration {
        /** Completes callers' futures, so that nothing they chain on runs on the batch thread. */
        private static final java.util.concurrent.Executor COMPLETIONS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "llama-completion");
            t.setDaemon(true);
            return t;
        });
        /** Completed by the batch thread. */
        private final CompletableFuture<GenerationResult> done = new CompletableFuture<>();
        /**
         * What callers see: completed on another thread once {@link #done} is, so that the work
         * they chain onto it (checking citations, storing a turn: tens of milliseconds of I/O)
         * never holds up the decoding of the other sequences in the batch.
         */
        private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();

        Task() {
            done.whenCompleteAsync((r, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(r);
                }
            }, COMPLETIONS);
        }

        /** Completes with the result, or exceptionally (e.g. {@link ContextLengthExceededException}). */
        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        /** Stops the generation after the current token (callable from any thread). */
        @Override
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
        return submit(() -> requireLoaded().tokenizer().encode(prompt, true), options, listener);
    }

    /** Queues a generation after the given prompt tokens (BOS included by the caller). */
    public Task submit(int[] promptTokens, GenerationOptions options, TokenListener listener) {
        return submit(() -> promptTokens, options, listener);
    }

    private Task submit(java.util.function.Supplier<int[]> prompt, GenerationOptions options, TokenListener listener) {
        while (true) {
            Loaded loaded = requireLoaded();
            Task task = new Task();
            Sequence sequence = new Sequence(prompt.get(), options, listener, task.cancelled::get, loaded.eosIds(),
                    loaded.tokenizer(), loaded.model().contextLength());
            if (sequence.finished()) {
                task.done.complete(sequence.result());
                return task;
            }
            try {
                loaded.scheduler().submit(sequence, task.done, queueCapacity);
                return task;
            } catch (BatchScheduler.ClosedException e) {
                // a new model was activated in between: submit to that one
            }
        }
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

    /** The generation defaults from configuration ({@code lawyer.model.*}). */
    public GenerationOptions defaultGenerationOptions() {
        return defaults;
    }

    /** Tokens of prompt plus answer the served model accepts (the configured context length when none is loaded). */
    public int contextLength() {
        LlamaModel current = model();
        return current == null ? contextLength : current.contextLength();
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
        return current.get() != null;
    }

    /** What health and info report. */
    public Map<String, Object> describe() {
        Loaded loaded = current.get();
        LlamaModel model = loaded == null ? null : loaded.model();
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("loaded", isLoaded());
        d.put("path", path == null ? "(none: lawyer.model.path is empty, or its default " + ModelProperties.DEFAULT_PATH
                + " does not exist)" : path.toString());
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
        d.put("running", loaded == null ? 0 : loaded.scheduler().running());
        d.put("queued", loaded == null ? 0 : loaded.scheduler().waiting());
        return d;
    }

    public String loadError() {
        return loadError;
    }

    public Path path() {
        return path;
    }

    /** The model being served now (null when none). */
    public LlamaModel model() {
        Loaded loaded = current.get();
        return loaded == null ? null : loaded.model();
    }

    /** The tokenizer of the model being served now (null when none). */
    public Tokenizer tokenizer() {
        Loaded loaded = current.get();
        return loaded == null ? null : loaded.tokenizer();
    }

    /** The served checkpoint's name: its directory's name ("llama" when none is configured). */
    public String modelName() {
        return path == null ? "llama" : String.valueOf(path.getFileName());
    }

    private Loaded requireLoaded() {
        Loaded loaded = current.get();
        if (loaded == null) {
            throw new ModelNotLoadedException(loadError != null ? "the model failed to load: " + loadError
                    : "no model is configured (set lawyer.model.path)");
        }
        return loaded;
    }

    /** Stops generating (running requests end as CANCELLED) and frees the model. */
    @Override
    public void close() {
        Loaded loaded = current.getAndSet(null);
        if (loaded != null) {
            loaded.scheduler().close();
            loaded.model().close();
        }
    }
}
