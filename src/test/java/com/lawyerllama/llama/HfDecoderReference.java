package com.lawyerllama.llama;

import java.util.Map;

/**
 * A second implementation of the decoders the engine serves, for tests: plain Java arrays and
 * double arithmetic, the whole sequence recomputed at every step, written from the definitions
 * in Hugging Face transformers' modelling code (modeling_llama, modeling_qwen2, modeling_qwen3),
 * not from the engine.
 *
 * <pre>
 * x = embed[token]
 * per layer:  h = RMSNorm(x) · input_layernorm
 *             q = h·Wqᵀ (+ bq), k = h·Wkᵀ (+ bk), v = h·Wvᵀ (+ bv)          bias: qwen2
 *             q_h = RMSNorm(q_h) · q_norm, k_h = RMSNorm(k_h) · k_norm      per head, qwen3
 *             q, k = q·cos + rotate_half(q)·sin, …                          inv_freq_i = θ^(-2i/E)
 *             a_h = softmax(q_h·k_{h/G}ᵀ / √E + causal) · v_{h/G}
 *             x = x + concat(a)·Woᵀ
 *             h = RMSNorm(x) · post_attention_layernorm
 *             x = x + (silu(h·Wgateᵀ) * h·Wupᵀ)·Wdownᵀ
 * logits = (RMSNorm(x) · norm) · lm_headᵀ   (lm_head = embed when tied)
 * </pre>
 */
final class HfDecoderReference {
    private final int hidden;
    private final int inter;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int vocab;
    private final double eps;
    private final double theta;
    private final boolean bias;
    private final boolean qkNorm;
    private final boolean tied;
    private final Map<String, float[]> w;

    HfDecoderReference(int hidden, int inter, int layers, int heads, int kvHeads, int headDim, int vocab, double eps,
                       double theta, boolean bias, boolean qkNorm, boolean tied, Map<String, float[]> weights) {
        this.hidden = hidden;
        this.inter = inter;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.vocab = vocab;
        this.eps = eps;
        this.theta = theta;
        this.bias = bias;
        this.qkNorm = qkNorm;
        this.tied = tied;
        this.w = weights;
    }

    /** Greedy decoding: {@code count} tokens after {@code prompt}. */
    int[] greedy(int[] prompt, int count) {
        int[] seq = java.util.Arrays.copyOf(prompt, prompt.length + count);
        for (int n = prompt.length; n < seq.length; n++) {
            double[] logits = lastLogits(java.util.Arrays.copyOf(seq, n));
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            seq[n] = best;
        }
        return java.util.Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    /** The logits of the last position of {@code tokens}. */
    double[] lastLogits(int[] tokens) {
        int t = tokens.length;
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = row(w.get("model.embed_tokens.weight"), tokens[i], hidden);
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[t][];
            double[][] k = new double[t][];
            double[][] v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] h = rmsNorm(x[i], w.get(p + "input_layernorm.weight"));
                q[i] = linear(h, w.get(p + "self_attn.q_proj.weight"), heads * headDim, bias ? w.get(p + "self_attn.q_proj.bias") : null);
                k[i] = linear(h, w.get(p + "self_attn.k_proj.weight"), kvHeads * headDim, bias ? w.get(p + "self_attn.k_proj.bias") : null);
                v[i] = linear(h, w.get(p + "self_attn.v_proj.weight"), kvHeads * headDim, bias ? w.get(p + "self_attn.v_proj.bias") : null);
                if (qkNorm) {
                    perHeadNorm(q[i], heads, w.get(p + "self_attn.q_norm.weight"));
                    perHeadNorm(k[i], kvHeads, w.get(p + "self_attn.k_norm.weight"));
                }
                rope(q[i], heads, i);
                rope(k[i], kvHeads, i);
            }
            int group = heads / kvHeads;
            for (int i = 0; i < t; i++) {
                double[] attn = new double[heads * headDim];
                for (int h = 0; h < heads; h++) {
                    int kv = h / group;
                    double[] scores = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double s = 0;
                        for (int e = 0; e < headDim; e++) {
                            s += q[i][h * headDim + e] * k[j][kv * headDim + e];
                        }
                        scores[j] = s / Math.sqrt(headDim);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < headDim; e++) {
                            attn[h * headDim + e] += scores[j] / sum * v[j][kv * headDim + e];
                        }
                    }
                }
                double[] o = linear(attn, w.get(p + "self_attn.o_proj.weight"), hidden, null);
                for (int d = 0; d < hidden; d++) {
                    x[i][d] += o[d];
                }
            }
            for (int i = 0; i < t; i++) {
                double[] h = rmsNorm(x[i], w.get(p + "post_attention_layernorm.weight"));
                double[] gate = linear(h, w.get(p + "mlp.gate_proj.weight"), inter, null);
                double[] up = linear(h, w.get(p + "mlp.up_proj.weight"), inter, null);
                double[] act = new double[inter];
                for (int f = 0; f < inter; f++) {
                    act[f] = gate[f] / (1 + Math.exp(-gate[f])) * up[f];
                }
                double[] down = linear(act, w.get(p + "mlp.down_proj.weight"), hidden, null);
                for (int d = 0; d < hidden; d++) {
                    x[i][d] += down[d];
                }
            }
        }
        double[] last = rmsNorm(x[t - 1], w.get("model.norm.weight"));
        return linear(last, w.get(tied ? "model.embed_tokens.weight" : "lm_head.weight"), vocab, null);
    }

    private static double[] row(float[] matrix, int r, int width) {
        double[] out = new double[width];
        for (int i = 0; i < width; i++) {
            out[i] = matrix[r * width + i];
        }
        return out;
    }

    /** x·Wᵀ + b for W [out, in] (PyTorch's Linear). */
    private static double[] linear(double[] x, float[] weight, int out, float[] bias) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) {
                s += x[i] * weight[o * x.length + i];
            }
            y[o] = s;
        }
        return y;
    }

    private double[] rmsNorm(double[] x, float[] weight) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        double scale = 1 / Math.sqrt(ms / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    private void perHeadNorm(double[] x, int count, float[] weight) {
        for (int h = 0; h < count; h++) {
            double[] head = java.util.Arrays.copyOfRange(x, h * headDim, (h + 1) * headDim);
            System.arraycopy(rmsNorm(head, weight), 0, x, h * headDim, headDim);
        }
    }

    /** Rotate-half RoPE: dimension i pairs with i + E/2, angle pos·θ^(-2i/E). */
    private void rope(double[] x, int count, int pos) {
        int half = headDim / 2;
        for (int h = 0; h < count; h++) {
            int base = h * headDim;
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(theta, -2.0 * i / headDim);
                double a = x[base + i];
                double b = x[base + i + half];
                x[base + i] = a * Math.cos(angle) - b * Math.sin(angle);
                x[base + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
    }
}
