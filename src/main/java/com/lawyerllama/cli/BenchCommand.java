package com.lawyerllama.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.cli.UsageException;
import com.lawyerllama.llama.BatchScheduler;
import com.lawyerllama.llama.DecodeProfile;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.KvCache;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.Sampler;
import com.lawyerllama.llama.Sequence;
import com.lawyerllama.llama.TokenListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures prefill and decode speed of a model (or of random weights of a given shape):
 * prefill tokens/s, time to first token, decode tokens/s for one stream and in total at a
 * concurrency, and peak resident memory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures prefill and decode speed.",
                "  bench --model DIR [--threads N] [--concurrency C] [--prompt-tokens N] [--new-tokens N]",
                "  bench --random 15M | 1.1B | qwen2.5-0.5B | qwen2.5-1.5B | dim=288,layers=6,heads=6,kv=6,hidden=768,vocab=32000",
                "  --profile adds where a decode step's time goes"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR|FILE.gguf", description = "Hugging Face model directory or GGUF file.")
    Path model;

    @Option(names = "--random", paramLabel = "SHAPE", description = "Random weights of this shape instead of --model.")
    String random;

    @Option(names = "--threads", defaultValue = "1", description = "PyTorch intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--concurrency", defaultValue = "1", description = "Sequences decoded at once (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--prompt-tokens", defaultValue = "64", description = "Prompt length (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "128", description = "Tokens to decode (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--warmup", defaultValue = "16", description = "Untimed decode steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--profile", description = "Also show where a decode step's time goes: the products by the weights"
            + " timed alone, the arrays (native ops) a step creates and what one small op costs.")
    boolean profile;

    /** Timings of one sequence. */
    private record Run(long prefillNanos, long firstTokenNanos, long decodeNanos, long decodeCpuNanos, int decoded) {
    }

    @Override
    public Integer call() throws Exception {
        LlamaCli.logToStderr(false);
        LlamaCli.threads(threads);
        if ((model == null) == (random == null)) {
            throw new UsageException("give exactly one of --model DIR or --random SHAPE");
        }
        if (concurrency < 1 || promptTokens < 1 || newTokens < 1) {
            throw new UsageException("--concurrency, --prompt-tokens and --new-tokens must be ≥ 1");
        }
        long loadStart = System.nanoTime();
        int context = promptTokens + newTokens + warmup + 1;
        try (LlamaModel llama = load(context)) {
            LlamaConfig c = llama.config();
            System.out.printf("model        %s: dim %d, layers %d, heads %d/%d kv, hidden %d, vocab %d, %,d parameters, %s on %s%n",
                    model != null ? model : random, c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                    c.numKeyValueHeads(), c.intermediateSize(), c.vocabSize(), llama.parameterCount(), llama.dataType(),
                    llama.device());
            System.out.printf("load         %.1f s, threads %d%n", (System.nanoTime() - loadStart) / 1e9, threads);
            run(llama, 1, warmup);  // warm up: first calls initialise kernels
            Run one = run(llama, 2, 0);
            System.out.printf("prefill      %.1f tokens/s (%d tokens in %.1f ms)%n",
                    promptTokens / (one.prefillNanos / 1e9), promptTokens, one.prefillNanos / 1e6);
            System.out.printf("first token  %.1f ms%n", one.firstTokenNanos / 1e6);
            System.out.printf("decode       %.1f tokens/s (1 stream, %d tokens; %.1f tokens per CPU-second of the decoding thread,"
                            + " which differs from the first number when other processes compete for the cores)%n",
                    one.decoded / (one.decodeNanos / 1e9), one.decoded, one.decoded / (one.decodeCpuNanos / 1e9));
            if (concurrency > 1) {
                batched(llama);
            }
            if (profile) {
                printProfile(DecodeProfile.measure(llama, promptTokens, warmup, newTokens));
            }
            System.out.printf("peak RSS     %s%n", peakRss());
        }
        return 0;
    }

    /** C sequences through the engine's continuous batching: total tokens/s and per-stream rate. */
    private void batched(LlamaModel llama) throws Exception {
        try (BatchScheduler scheduler = new BatchScheduler(llama, concurrency, concurrency)) {
            List<java.util.concurrent.CompletableFuture<GenerationResult>> results = new ArrayList<>();
            List<long[]> tokenTimes = new ArrayList<>();   // per stream: when each token arrived
            long start = System.nanoTime();
            for (int i = 0; i < concurrency; i++) {
                Random random = new Random(100 + i);
                int[] prompt = new int[promptTokens];
                prompt[0] = llama.config().bosTokenId();
                for (int j = 1; j < prompt.length; j++) {
                    prompt[j] = 3 + random.nextInt(llama.config().vocabSize() - 3);
                }
                // no EOS: every stream decodes exactly --new-tokens
                long[] times = new long[newTokens];
                int[] count = {0};
                tokenTimes.add(times);
                TokenListener timer = (id, text) -> {
                    if (id >= 0 && count[0] < times.length) {
                        times[count[0]++] = System.nanoTime();
                    }
                };
                Sequence sequence = new Sequence(prompt, GenerationOptions.greedy(newTokens), timer, () -> false,
                        java.util.Set.of(), SILENT, llama.contextLength());
                java.util.concurrent.CompletableFuture<GenerationResult> result = new java.util.concurrent.CompletableFuture<>();
                scheduler.submit(sequence, result, concurrency);
                results.add(result);
            }
            long tokens = 0;
            for (var r : results) {
                tokens += r.get().generatedTokens();
            }
            double wall = (System.nanoTime() - start) / 1e9;
            // The window in which every stream was decoding: after the last first token, before the first finish.
            long from = tokenTimes.stream().mapToLong(t -> t[0]).max().orElseThrow();
            long to = tokenTimes.stream().mapToLong(t -> t[t.length - 1]).min().orElseThrow();
            long inWindow = tokenTimes.stream().flatMapToLong(java.util.Arrays::stream).filter(t -> t > from && t <= to).count();
            System.out.printf("concurrency  %d (continuous batching): decode %.1f tokens/s total while all %d streams decode"
                            + " (%.1f per stream); %.1f tokens/s total over the whole run incl. the %d prefills%n",
                    concurrency, to > from ? inWindow / ((to - from) / 1e9) : Double.NaN, concurrency,
                    to > from ? inWindow / ((to - from) / 1e9) / concurrency : Double.NaN, tokens / wall, concurrency);
        }
    }

    /** Bench decodes no text: a tokenizer stand-in whose streaming decoder yields nothing. */
    private static final com.lawyerllama.llama.tokenizer.Tokenizer SILENT = new com.lawyerllama.llama.tokenizer.Tokenizer() {
        @Override
        public int[] encode(String text) {
            return new int[0];
        }

        @Override
        public String decode(int[] ids) {
            return "";
        }

        @Override
        public StreamingDecoder streamingDecoder() {
            return new StreamingDecoder() {
                @Override
                public String append(int id) {
                    return "";
                }

                @Override
                public String flush() {
                    return "";
                }
            };
        }

        @Override
        public int vocabSize() {
            return 0;
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public String piece(int id) {
            return "";
        }
    };

    private LlamaModel load(int context) throws IOException {
        if (random != null) {
            LlamaConfig shape = LlamaCli.shape(random);
            return LlamaModel.random(shape, 42, LlamaModel.defaultDevice(), Math.max(context, 16));
        }
        LlamaCli.existingModel(model, "--model");
        return LlamaModel.load(model, LlamaModel.defaultDevice(), context);
    }

    /** Prefill of a random prompt, then greedy decoding of --new-tokens (or {@code steps} when > 0). */
    private Run run(LlamaModel llama, int seed, int steps) {
        int toDecode = steps > 0 ? steps : newTokens;
        Random random = new Random(seed);
        long[] prompt = new long[promptTokens];
        prompt[0] = llama.config().bosTokenId();
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 3 + random.nextInt(llama.config().vocabSize() - 3);
        }
        try (NDManager sequence = llama.manager().newSubManager();
             KvCache cache = llama.newCache(1, promptTokens + toDecode + 1, sequence)) {
            long start = System.nanoTime();
            float[] logits = logits(llama, prompt, cache, sequence);
            long prefill = System.nanoTime() - start;
            int next = Sampler.argmax(logits);
            long first = System.nanoTime() - start;
            java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpuStart = cpu.getCurrentThreadCpuTime();
            long decodeStart = System.nanoTime();
            for (int i = 0; i < toDecode; i++) {
                logits = logits(llama, new long[] {next}, cache, sequence);
                next = Sampler.argmax(logits);
            }
            long decodeNanos = System.nanoTime() - decodeStart;
            return new Run(prefill, first, decodeNanos, cpu.getCurrentThreadCpuTime() - cpuStart, toDecode);
        }
    }

    private static float[] logits(LlamaModel llama, long[] ids, KvCache cache, NDManager sequence) {
        try (NDManager scope = sequence.newSubManager()) {
            NDArray logits = llama.decode(scope.create(ids, new Shape(1, ids.length)), cache);
            return logits.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    private static void printProfile(DecodeProfile p) {
        System.out.printf("profile      decode step %.0f µs of CPU time (median of %d steps, 1 stream; CPU time of the decoding thread throughout)%n",
                p.stepMicros(), p.steps());
        System.out.printf("  weights    %d products by the weight matrices (%,d parameters), timed alone: %.0f µs = %.0f %% of the step%n",
                p.matrixProducts(), p.matrixParameters(), p.matrixMicros(), 100 * p.matrixMicros() / p.stepMicros());
        double calls = p.smallOpsPerStep() * p.smallOpMicros();
        System.out.printf("  op calls   %d other arrays created per step × %.2f µs for a bare op (add of [1, D], release included)"
                + " = %.0f µs = %.0f %% of the step%n", p.smallOpsPerStep(), p.smallOpMicros(), calls, 100 * calls / p.stepMicros());
        double rest = p.otherMicros() - calls;
        System.out.printf("  rest       %.0f µs = %.0f %%: the small ops' work beyond a bare call (norms, RoPE, attention, KV-cache writes),"
                + " in-place ops, logits to Java, sampling; all non-weight time is %.1f µs per array created%n",
                rest, 100 * rest / p.stepMicros(), p.otherMicros() / p.smallOpsPerStep());
    }

    /** VmHWM from /proc (Linux); "n/a" elsewhere. */
    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("\\D+", ""));
                    return String.format("%.1f MiB", kb / 1024.0);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "n/a";
    }
}
