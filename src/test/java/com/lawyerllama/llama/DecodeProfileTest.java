package com.lawyerllama.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.lawyerllama.testsupport.TestModels;
import org.junit.jupiter.api.Test;

/** {@code bench --profile}'s measurement on the real stories260K weights: what it counts and times. */
class DecodeProfileTest {

    @Test
    void countsTheStepsWeightProductsAndItsArraysAndTimesThem() throws Exception {
        try (LlamaModel model = LlamaModel.load(TestModels.stories260K(), Device.cpu(), 64)) {
            LlamaConfig c = model.config();
            int arraysBefore = model.manager().getManagedArrays().size();
            DecodeProfile p = DecodeProfile.measure(model, 8, 4, 16);

            // per layer [Wq; Wk; Wv], Wo, [Wgate; Wup], Wdown, then the classifier
            assertThat(p.matrixProducts()).isEqualTo(4 * c.numHiddenLayers() + 1);
            long perLayer = (long) c.hiddenSize() * (c.numAttentionHeads() + 2L * c.numKeyValueHeads()) * c.headDim()
                    + (long) c.numAttentionHeads() * c.headDim() * c.hiddenSize() + 3L * c.hiddenSize() * c.intermediateSize();
            assertThat(p.matrixParameters()).isEqualTo(perLayer * c.numHiddenLayers() + (long) c.vocabSize() * c.hiddenSize());
            // besides the products a step runs norms, RoPE, attention, SwiGLU: dozens of ops per layer
            assertThat(p.smallOpsPerStep()).isGreaterThan(10 * c.numHiddenLayers());
            assertThat(p.stepMicros()).isPositive();
            assertThat(p.matrixMicros()).isPositive();
            assertThat(p.smallOpMicros()).isPositive().isLessThan(p.stepMicros());
            // the profile releases every array it made: the model's manager holds what it held before
            assertThat(model.manager().getManagedArrays()).hasSize(arraysBefore);
        }
    }
}
