package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {

    @Test
    void twoStepsMatchTheAdamWFormulaAndTheStateSurvivesSaveAndLoad(@TempDir Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -2f, 0.5f, 3f}, new Shape(2, 2));   // a matrix: decayed
            NDArray norm = m.create(new float[] {1f, 1f});                             // a vector: not decayed
            float[] gw = {0.1f, -0.2f, 0.3f, 0f};
            float[] gn = {0.5f, -0.5f};
            double lr = 0.01;
            double wd = 0.1;
            double[] expected = {1, -2, 0.5, 3};
            double[] mw = new double[4];
            double[] vw = new double[4];
            try (AdamW opt = new AdamW(m)) {
                for (int t = 1; t <= 2; t++) {
                    opt.step(Map.of("w", w, "n", norm), Map.of("w", m.create(gw, new Shape(2, 2)), "n", m.create(gn)), lr, wd);
                    for (int i = 0; i < 4; i++) {
                        mw[i] = AdamW.BETA1 * mw[i] + (1 - AdamW.BETA1) * gw[i];
                        vw[i] = AdamW.BETA2 * vw[i] + (1 - AdamW.BETA2) * gw[i] * gw[i];
                        double mHat = mw[i] / (1 - Math.pow(AdamW.BETA1, t));
                        double vHat = vw[i] / (1 - Math.pow(AdamW.BETA2, t));
                        expected[i] -= lr * (mHat / (Math.sqrt(vHat) + AdamW.EPS) + wd * expected[i]);
                    }
                }
                float[] got = w.toFloatArray();
                for (int i = 0; i < 4; i++) {
                    assertThat((double) got[i]).isCloseTo(expected[i], within(1e-6));
                }
                // No decay on the vector: two unit-size Adam steps of lr each.
                assertThat((double) norm.getFloat(0)).isCloseTo(1 - 2 * lr, within(1e-5));
                opt.save(tmp.resolve("opt.safetensors"));

                try (AdamW restored = new AdamW(m)) {
                    NDArray w2 = w.duplicate();
                    restored.load(tmp.resolve("opt.safetensors"), Map.of("w", w2), opt.steps());
                    opt.step(Map.of("w", w), Map.of("w", m.create(gw, new Shape(2, 2))), lr, wd);
                    restored.step(Map.of("w", w2), Map.of("w", m.create(gw, new Shape(2, 2))), lr, wd);
                    assertThat(w2.toFloatArray()).containsExactly(w.toFloatArray());
                }
            }
        }
    }
}
