package com.lawyerllama.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.cli.UsageException;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.training.AdamW;
import com.lawyerllama.training.BaseModel;
import com.lawyerllama.training.StageData;
import com.lawyerllama.training.TrainableWeights;
import com.lawyerllama.training.Trainer;
import com.lawyerllama.training.TrainingPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-train}: training throughput of the real stage loop ({@link Trainer#trainStage}) on
 * real text for a model of a given shape, and its model FLOPs utilisation: 6 · parameters ·
 * tokens/s over the fp32 matmul rate measured in the same process (a 1024³ matmul, best of 5).
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
        description = "Measure training tokens/s and model FLOPs utilisation (MFU) on CPU.")
public final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--shape", defaultValue = "dim=256,layers=4,heads=8,kv=4,hidden=688",
            description = "Model shape, llama2.c names (default ${DEFAULT-VALUE}); the vocabulary is the tokenizer's.")
    String shape;

    @Option(names = "--tokenizer", defaultValue = "tokenizers/chinese-llama-2", description = "Tokenizer, under the data root (default ${DEFAULT-VALUE}).")
    String tokenizer;

    @Option(names = "--data-root", defaultValue = "../shared/data", description = "Data root (default ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--seq", defaultValue = "128", description = "Sequence length (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = "4", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "8", description = "Timed optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (0: engine default).")
    int threads;

    @Override
    public Integer call() throws Exception {
        com.lawyerllama.cli.LlamaCli.threads(threads);
        Result r = run(TrainCommand.randomBase(shape, tokenizer), dataRoot, seq, batch, steps, warmup);
        System.out.printf(Locale.ROOT, "model: %s, %,d parameters; batch %d × %d tokens; %d timed steps%n",
                shape, r.parameters(), batch, seq, steps);
        System.out.printf(Locale.ROOT, "training: %.0f tokens/s (%.1f ms/step), loss %.3f → %.3f%n",
                r.tokensPerSecond(), r.secondsPerStep() * 1000, r.firstLoss(), r.lastLoss());
        System.out.printf(Locale.ROOT, "fp32 matmul 1024³: %.1f GFLOP/s; training 6·N·tokens/s: %.2f GFLOP/s; MFU %.1f %%%n",
                r.matmulGflops(), r.trainingGflops(), 100 * r.mfu());
        return 0;
    }

    public record Result(long parameters, double tokensPerSecond, double secondsPerStep, double matmulGflops,
                         double trainingGflops, double mfu, double firstLoss, double lastLoss) {
    }

    /** Trains a random model of {@code base}'s shape on Chinese text for {@code warmup + steps} steps and times it. */
    public static Result run(BaseModel base, Path dataRoot, int seq, int batch, int steps, int warmup) throws Exception {
        if (steps < 1 || warmup < 0) {
            throw new UsageException("--steps must be ≥ 1 and --warmup ≥ 0");
        }
        TrainingPlan.Stage stage = new TrainingPlan.Stage("bench", TrainingPlan.CAUSAL_LM,
                List.of(new TrainingPlan.DatasetSpec("jsonl-text", "general-text/zh/cmrc2018_contexts.jsonl", 1, 300, null)),
                steps + warmup, 0, seq, batch, 1, 1e-4, null, 0, 0.0, 1.0, null, 0, null, null);
        TrainingPlan plan = new TrainingPlan("bench", 1, 0.02, Integer.MAX_VALUE, 1, Integer.MAX_VALUE, 1, List.of(stage));
        List<String> problems = new ArrayList<>(plan.validate(dataRoot));
        problems.addAll(base.validate(dataRoot));
        if (!problems.isEmpty()) {
            throw new UsageException(String.join("; ", problems));
        }
        Tokenizer tok = Tokenizers.load(base.tokenizerPath(dataRoot));
        int heads = base.numAttentionHeads();
        LlamaConfig config = new LlamaConfig(base.hiddenSize(), base.intermediateSize(), base.numHiddenLayers(), heads,
                base.numKeyValueHeads() == null ? heads : base.numKeyValueHeads(), base.hiddenSize() / heads, 1e-5, 10000.0, null,
                Math.max(seq, 512), tok.vocabSize(), true, tok.bosId(), List.of(tok.eosId()), "float32");
        double matmul = matmulGflops();
        StageData data = new StageData(plan, 0, dataRoot, tok, null);
        List<Trainer.StepMetrics> timed = new ArrayList<>();
        try (LlamaModel model = LlamaModel.random(config, 1, Device.cpu(), seq);
             TrainableWeights weights = TrainableWeights.full(model);
             AdamW optimizer = new AdamW(model.manager())) {
            Trainer.trainStage(plan, stage, data, model, weights, optimizer, 0, new Trainer.Hooks() {
                @Override
                public void checkContinue() {
                }

                @Override
                public void onStep(Trainer.StepMetrics m) {
                    if (m.step() > warmup) {
                        timed.add(m);
                    }
                }

                @Override
                public void onValidation(int completedSteps, double loss) {
                }

                @Override
                public void checkpoint(int completedSteps) {
                }
            });
            long params = model.parameterCount();
            double seconds = timed.stream().mapToDouble(Trainer.StepMetrics::seconds).sum();
            long tokens = timed.stream().mapToLong(Trainer.StepMetrics::tokens).sum();
            double tps = tokens / seconds;
            double trainingGflops = 6.0 * params * tps / 1e9;
            return new Result(params, tps, seconds / timed.size(), matmul, trainingGflops, trainingGflops / matmul,
                    timed.get(0).loss(), timed.get(timed.size() - 1).loss());
        }
    }

    /** fp32 GFLOP/s of a 1024 × 1024 × 1024 matmul, best of five. */
    static double matmulGflops() {
        int n = 1024;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long start = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0);
                }
                double s = (System.nanoTime() - start) / 1e9;
                if (i > 0) {
                    best = Math.min(best, s);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }
}
