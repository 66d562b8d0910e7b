package com.lawyerllama.training.retriever;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.lawyerllama.training.AdamW;
import com.lawyerllama.training.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;

/** One retriever training stage's steps and validation, whichever part of the model it trains. */
public interface RetrieverTraining extends AutoCloseable {

    /** The validation questions' loss (the stage's own kind) and recall@3 among {@code pool} articles. */
    record Validation(double loss, double recallAt3, int pool) {
    }

    /** The tensors the stage trains (and the optimizer's state follows). */
    Map<String, NDArray> parameters();

    /** One optimizer step on batch {@code step}. */
    RetrieverTrainer.StepResult step(int step, AdamW optimizer, double lr, double weightDecay, double gradClip);

    Validation validate();

    @Override
    default void close() {
    }

    /** Before a step's forward pass: {@code params} record gradients (set once, on the first step). */
    static void recordGradients(Map<String, NDArray> params) {
        if (!params.values().iterator().next().hasGradient()) {
            params.values().forEach(p -> p.setRequiresGradient(true));
        }
    }

    /**
     * After a step's backward pass: the gradients of {@code params} (released with {@code scope}),
     * clipped to {@code gradClip}, applied unless their norm is not finite, then zeroed.
     *
     * @return the gradients' norm before clipping
     */
    static double applyGradients(Map<String, NDArray> params, AdamW optimizer, double lr, double weightDecay, double gradClip,
                                 NDManager scope) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(scope);
            grads.put(name, g);
        });
        double norm = Trainer.clipGradients(grads, gradClip);
        if (Double.isFinite(norm)) {
            optimizer.step(params, grads, lr, weightDecay);
        }
        params.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
        return norm;
    }
}
