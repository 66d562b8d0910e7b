package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding tables in Hugging Face's layout: dimension i and i + E/2 of a
 * head rotate together at frequency θ^(-2i/E), optionally rescaled (linear, llama3).
 */
final class Rope {
    private Rope() {
    }

    /** Inverse frequencies [E/2], after {@code rope_scaling}. */
    static double[] inverseFrequencies(LlamaConfig c) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // fp32, as both the reference implementations compute it
            inv[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim()));
        }
        LlamaConfig.RopeScaling scaling = c.ropeScaling();
        if (scaling == null) {
            return inv;
        }
        switch (scaling.type()) {
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    inv[i] /= scaling.factor();
                }
            }
            case "llama3" -> {
                // Long wavelengths are slowed by `factor`, short ones kept, the band between blended.
                double oldContext = scaling.originalMaxPositionEmbeddings();
                double lowWavelen = oldContext / scaling.lowFreqFactor();
                double highWavelen = oldContext / scaling.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] = inv[i] / scaling.factor();
                    } else if (wavelen >= highWavelen) {
                        double smooth = (oldContext / wavelen - scaling.lowFreqFactor())
                                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                        inv[i] = (1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i];
                    }
                }
            }
            default -> throw new ModelFormatException("unsupported rope_scaling type '" + scaling.type() + "'");
        }
        return inv;
    }

    /**
     * {cos [P, H+2K, E], sin [P, H+2K, E], rotate-half matrix [E, E]} for positions 0..P-1,
     * laid out per head of the fused [q; k; v] projection: query heads get cos and sin times
     * 1/sqrt(E) (the attention scale, folded in), key heads plain cos and sin, value heads
     * cos 1 and sin 0 (unchanged), so one rotation covers the whole projection.
     */
    static NDArray[] tables(LlamaConfig c, int positions, NDManager manager, DataType dtype) {
        int e = c.headDim();
        int half = e / 2;
        int qHeads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        int heads = qHeads + 2 * kvHeads;
        float scale = (float) (1.0 / Math.sqrt(e));
        double[] inv = inverseFrequencies(c);
        float[] cos = new float[positions * heads * e];
        float[] sin = new float[positions * heads * e];
        for (int p = 0; p < positions; p++) {
            for (int h = 0; h < heads; h++) {
                int row = (p * heads + h) * e;
                for (int i = 0; i < half; i++) {
                    float angle = (float) p * (float) inv[i];
                    float cs = (float) Math.cos(angle);
                    float sn = (float) Math.sin(angle);
                    if (h < qHeads) {
                        cs *= scale;
                        sn *= scale;
                    } else if (h >= qHeads + kvHeads) {
                        cs = 1f;
                        sn = 0f;
                    }
                    cos[row + i] = cs;
                    cos[row + i + half] = cs;
                    sin[row + i] = sn;
                    sin[row + i + half] = sn;
                }
            }
        }
        float[] rot = new float[e * e];
        for (int j = 0; j < half; j++) {
            rot[(j + half) * e + j] = -1f;  // out[j] = -x[j + E/2]
            rot[j * e + j + half] = 1f;     // out[j + E/2] = x[j]
        }
        Shape shape = new Shape(positions, heads, e);
        return new NDArray[] {
                manager.create(cos, shape).toType(dtype, false),
                manager.create(sin, shape).toType(dtype, false),
                manager.create(rot, new Shape(e, e)).toType(dtype, false)
        };
    }
}
