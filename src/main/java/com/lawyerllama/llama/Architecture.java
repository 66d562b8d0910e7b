package com.lawyerllama.llama;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The decoder families the one forward pass in {@link LlamaModel} computes, each as Hugging
 * Face's modelling code defines it. They share the LLaMA layout (RMSNorm, RoPE in the
 * rotate-half layout, grouped KV heads, SwiGLU MLP) and differ only in these options:
 *
 * <ul>
 *   <li>{@link #LLAMA}, {@link #MISTRAL} ({@code LlamaForCausalLM}, {@code MistralForCausalLM}):
 *       no bias, no extra norms. Mistral is LLaMA as long as no sliding window is in use.</li>
 *   <li>{@link #QWEN2} ({@code Qwen2ForCausalLM}: Qwen2, Qwen2.5 and their fine-tunes): a bias on the
 *       q, k and v projections (none on o_proj).</li>
 *   <li>{@link #QWEN3} ({@code Qwen3ForCausalLM}): a per-head RMSNorm over {@code head_dim} on queries
 *       and keys ({@code self_attn.q_norm}, {@code self_attn.k_norm}), applied before RoPE; no bias.</li>
 * </ul>
 */
public enum Architecture {
    LLAMA("llama", "LlamaForCausalLM", false, false),
    MISTRAL("mistral", "MistralForCausalLM", false, false),
    QWEN2("qwen2", "Qwen2ForCausalLM", true, false),
    QWEN3("qwen3", "Qwen3ForCausalLM", false, true);

    private final String modelType;
    private final String className;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String modelType, String className, boolean qkvBias, boolean qkNorm) {
        this.modelType = modelType;
        this.className = className;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    /** {@code model_type} in config.json (and {@code general.architecture} in GGUF). */
    public String modelType() {
        return modelType;
    }

    /** The transformers class, config.json's {@code architectures[0]}. */
    public String className() {
        return className;
    }

    /** Whether q_proj, k_proj and v_proj carry a bias. */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** Whether queries and keys are RMS-normed per head before RoPE. */
    public boolean qkNorm() {
        return qkNorm;
    }

    /** The supported names, for error messages: "llama, mistral, qwen2, qwen3". */
    public static String supported() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "));
    }

    /**
     * The architecture a {@code model_type} (or, failing that, a transformers class name such as
     * {@code Qwen2ForCausalLM}) names.
     *
     * @throws ModelFormatException naming the architecture and the supported list when it is none of them
     */
    public static Architecture of(String name) {
        for (Architecture a : values()) {
            if (a.modelType.equals(name.toLowerCase(Locale.ROOT)) || a.className.equals(name)) {
                return a;
            }
        }
        throw new ModelFormatException("unsupported model architecture '" + name + "' (supported: " + supported()
                + "; e.g. Qwen3.5, mixture-of-experts models, Baichuan and ChatGLM are not)");
    }
}
