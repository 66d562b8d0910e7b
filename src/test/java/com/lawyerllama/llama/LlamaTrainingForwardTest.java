package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.lawyerllama.training.TrainableWeights;
import com.lawyerllama.training.TrainingPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batched full-sequence forward is differentiable with respect to every named parameter, and to LoRA adapters. */
class LlamaTrainingForwardTest {
    static final LlamaConfig TINY = new LlamaConfig(16, 32, 2, 4, 2, 4, 1e-5, 10000.0, null, 64, 40, false, 1,
            List.of(2), "float32");

    @Test
    void everyParameterReceivesAGradientAndLogitsMatchInference() {
        try (LlamaModel model = LlamaModel.random(TINY, 3, Device.cpu(), 64);
             NDManager scope = model.manager().newSubManager()) {
            NDArray tokens = scope.create(new long[] {1, 5, 9, 13, 1, 7, 7, 30}, new Shape(2, 4));   // [B=2, T=4]
            float[] inference = model.logits(tokens).toFloatArray();
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.logits(tokens);                                           // [2, 4, V]
                assertEquals(new Shape(2, 4, 40), logits.getShape());
                assertArrayEquals(inference, logits.toFloatArray(), 1e-5f);
                collector.backward(logits.logSoftmax(-1).get(":, :, 3").mean().neg());
            }
            model.parameters().forEach((name, p) ->
                    assertTrue(p.getGradient().abs().sum().getFloat() > 0, "no gradient for " + name));
        }
    }

    @Test
    void adaptersOnFusedAndPlainProjectionsReceiveGradients() {
        try (LlamaModel model = LlamaModel.random(TINY, 4, Device.cpu(), 64);
             NDManager scope = model.manager().newSubManager();
             TrainableWeights weights = TrainableWeights.lora(model,
                     new TrainingPlan.Lora(2, 4, List.of("q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")), 5)) {
            NDArray tokens = scope.create(new long[] {1, 5, 9, 13, 1, 7, 7, 30}, new Shape(2, 4));
            float[] base = model.logits(tokens).toFloatArray();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = weights.forwardModel(scope).logits(tokens);
                assertArrayEquals(base, logits.toFloatArray(), 1e-5f, "B starts at zero: the adapted model is the base model");
                collector.backward(logits.logSoftmax(-1).get(":, :, 3").mean().neg());
            }
            // B is zero at the start, so only B's gradient is non-zero after one backward pass.
            weights.trainable().forEach((name, p) -> {
                if (name.endsWith(".lora_B")) {
                    assertTrue(p.getGradient().abs().sum().getFloat() > 0, "no gradient for " + name);
                }
            });
        }
    }
}
