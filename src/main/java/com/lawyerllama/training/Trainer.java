package com.lawyerllama.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.lawyerllama.llama.LlamaModel;
import java.io.IOException;
import java.util.Map;

/**
 * The training loop of one stage, nanoGPT style: batch → forward → loss → backward → clip →
 * AdamW step → schedule → log → validate → checkpoint. Stages differ only in their data and
 * settings ({@link TrainingPlan.Stage}, {@link StageData}); the loop is the same for all.
 */
public final class Trainer {

    /** What the loop reports and asks for; {@link TrainingRun} implements it (state file, metrics, checkpoints). */
    public interface Hooks {
        /** Throws to stop the loop (cancel, shutdown); called before every step. */
        void checkContinue();

        void onStep(StepMetrics metrics);

        void onValidation(int completedSteps, double loss);

        /** Saves a checkpoint after {@code completedSteps} optimizer steps. */
        void checkpoint(int completedSteps) throws IOException;
    }

    /** One optimizer step's numbers. */
    public record StepMetrics(int step, int totalSteps, double loss, double lr, double gradNorm, long tokens,
                              long targetTokens, double seconds) {
    }

    private Trainer() {
    }

    /**
     * Trains {@code weights} from optimizer step {@code startStep} (0-based; a resumed stage
     * starts where its checkpoint left off) to the stage's last step.
     */
    public static void trainStage(TrainingPlan plan, TrainingPlan.Stage stage, StageData data, LlamaModel model,
                                  TrainableWeights weights, AdamW optimizer, int startStep, Hooks hooks) throws IOException {
        noGradientRecording();
        int total = data.totalSteps();
        int accum = stage.accumulation();
        if (startStep == 0) {
            hooks.onValidation(0, validationLoss(plan, data, weights, model));
        }
        for (int step = startStep; step < total; step++) {
            hooks.checkContinue();
            long start = System.nanoTime();
            double lr = stage.learningRate(step, total);
            double loss = 0;
            long tokens = 0;
            long targetTokens = 0;
            double gradNorm;
            try (NDManager scope = model.manager().newSubManager()) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    for (int micro = 0; micro < accum; micro++) {
                        StageData.Batch batch = data.trainBatch(step, micro, scope);
                        LlamaModel forward = weights.forwardModel(scope);
                        NDArray logits = forward.logits(batch.inputs());                        // [B, T, V]
                        NDArray microLoss = maskedCrossEntropy(logits, batch.targets(), batch.mask());
                        collector.backward(microLoss.div(accum));
                        loss += microLoss.getFloat() / accum;
                        tokens += batch.tokens();
                        targetTokens += batch.targetTokens();
                    }
                }
                Map<String, NDArray> grads = weights.gradients(scope);
                gradNorm = clipGradients(grads, stage.gradClip());
                // A non-finite gradient would poison the weights and the AdamW moments for good:
                // skip that update (it is logged with its NaN/inf norm) and go on.
                if (Double.isFinite(gradNorm)) {
                    optimizer.step(weights.trainable(), grads, lr, stage.weightDecay());
                }
                weights.zeroGradients();
            }
            int done = step + 1;
            hooks.onStep(new StepMetrics(done, total, loss, lr, gradNorm, tokens, targetTokens,
                    (System.nanoTime() - start) / 1e9));
            if (done % plan.evalEvery() == 0 || done == total) {
                hooks.onValidation(done, validationLoss(plan, data, weights, model));
            }
            if (done % plan.checkpointEvery() == 0 && done < total) {
                hooks.checkpoint(done);
            }
        }
    }

    /**
     * PyTorch records gradients per thread and does so by default on a new thread (the runner's);
     * the loop records only inside its GradientCollector, and the in-place AdamW update of leaf
     * weights must happen with recording off.
     */
    public static void noGradientRecording() {
        Engine.getInstance();   // loads the native library on first use
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /**
     * Mean cross-entropy over the positions where {@code mask} is 1: logits [B, T, V], targets
     * [B, T] int64, mask [B, T] float32. Positions with mask 0 (prompts in SFT, padding)
     * contribute neither loss nor gradient.
     */
    public static NDArray maskedCrossEntropy(NDArray logits, NDArray targets, NDArray mask) {
        NDArray logProbs = logits.logSoftmax(-1);                                       // [B, T, V]
        NDArray picked = logProbs.gather(targets.expandDims(-1), -1).squeeze(-1);      // [B, T]
        return picked.mul(mask).sum().neg().div(mask.sum().maximum(1f));               // scalar
    }

    /** Scales all gradients so their global L2 norm is at most {@code maxNorm} (0: no clipping); returns the norm before. */
    public static double clipGradients(Map<String, NDArray> grads, double maxNorm) {
        double sumSquares = 0;
        for (NDArray g : grads.values()) {
            try (NDArray s = g.square().sum()) {
                sumSquares += s.getFloat();
            }
        }
        double norm = Math.sqrt(sumSquares);
        if (maxNorm > 0 && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            grads.values().forEach(g -> g.muli(scale));
        }
        return norm;
    }

    /** Mean loss over the plan's validation batches (no gradients). */
    static double validationLoss(TrainingPlan plan, StageData data, TrainableWeights weights, LlamaModel model) {
        double sum = 0;
        try (NDManager scope = model.manager().newSubManager()) {
            LlamaModel forward = weights.forwardModel(scope);
            for (int i = 0; i < plan.evalBatches(); i++) {
                try (NDManager batchScope = scope.newSubManager()) {
                    StageData.Batch batch = data.validationBatch(i, batchScope);
                    sum += maskedCrossEntropy(forward.logits(batch.inputs()), batch.targets(), batch.mask()).getFloat();
                }
            }
        }
        return sum / plan.evalBatches();
    }
}
