package com.lawyerllama.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.gguf.GgmlType;
import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model stored as a GGUF file (llama.cpp's and Ollama's format), read into the engine's own
 * Hugging Face layout: the config from the {@code general.architecture} metadata, each tensor
 * under its Hugging Face name, dequantized to the compute type as it is loaded (quantized files
 * are served as fp32 on the CPU, fp16 on a GPU; the engine has no quantized kernels).
 *
 * <p>llama.cpp's converter permutes the rows of LLaMA's q and k projections (it rotates
 * interleaved pairs where Hugging Face rotates halves); they are permuted back here. Qwen2 and
 * Qwen3 are stored unpermuted.
 */
public final class GgufModels {
    private GgufModels() {
    }

    /** GGUF tensor name pieces and the Hugging Face names they stand for (per layer: after {@code blk.N.} / {@code model.layers.N.}). */
    private static final String[][] GLOBAL_NAMES = {
            {"token_embd.weight", "model.embed_tokens.weight"},
            {"output_norm.weight", "model.norm.weight"},
            {"output.weight", "lm_head.weight"},
    };
    private static final String[][] LAYER_NAMES = {
            {"attn_norm.weight", "input_layernorm.weight"},
            {"attn_q.weight", "self_attn.q_proj.weight"},
            {"attn_k.weight", "self_attn.k_proj.weight"},
            {"attn_v.weight", "self_attn.v_proj.weight"},
            {"attn_q.bias", "self_attn.q_proj.bias"},
            {"attn_k.bias", "self_attn.k_proj.bias"},
            {"attn_v.bias", "self_attn.v_proj.bias"},
            {"attn_output.weight", "self_attn.o_proj.weight"},
            {"attn_q_norm.weight", "self_attn.q_norm.weight"},
            {"attn_k_norm.weight", "self_attn.k_norm.weight"},
            {"ffn_norm.weight", "post_attention_layernorm.weight"},
            {"ffn_gate.weight", "mlp.gate_proj.weight"},
            {"ffn_up.weight", "mlp.up_proj.weight"},
            {"ffn_down.weight", "mlp.down_proj.weight"},
    };

    /** The GGUF name of a Hugging Face tensor name. */
    public static String ggufName(String hfName) {
        for (String[] pair : GLOBAL_NAMES) {
            if (pair[1].equals(hfName)) {
                return pair[0];
            }
        }
        if (hfName.startsWith("model.layers.")) {
            int dot = hfName.indexOf('.', "model.layers.".length());
            String layer = hfName.substring("model.layers.".length(), dot);
            String rest = hfName.substring(dot + 1);
            for (String[] pair : LAYER_NAMES) {
                if (pair[1].equals(rest)) {
                    return "blk." + layer + "." + pair[0];
                }
            }
        }
        throw new IllegalArgumentException("no GGUF name for tensor " + hfName);
    }

    /**
     * The model's shape and constants from GGUF metadata ({@code ARCH.embedding_length},
     * {@code ARCH.block_count}, …), the vocabulary size from the embedding, tied embeddings when
     * there is no {@code output.weight}.
     *
     * @throws ModelFormatException for an architecture or setting the engine does not compute
     */
    public static LlamaConfig config(GgufFile f) {
        String name = f.string("general.architecture", "");
        Architecture arch;
        try {
            arch = Architecture.of(name);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(f.path() + ": " + e.getMessage());
        }
        if (arch == Architecture.MISTRAL) {
            arch = Architecture.LLAMA;   // llama.cpp writes Mistral as llama; "mistral" never appears in a GGUF file
        }
        String p = arch.modelType() + ".";
        int hidden = (int) f.integer(p + "embedding_length");
        int heads = (int) f.integer(p + "attention.head_count");
        int kvHeads = (int) f.integer(p + "attention.head_count_kv", heads);
        int headDim = (int) f.integer(p + "attention.key_length", hidden / heads);
        if (f.integer(p + "attention.value_length", headDim) != headDim) {
            throw new ModelFormatException(f.path() + ": attention.value_length differs from key_length, which is not supported");
        }
        long ropeDims = f.integer(p + "rope.dimension_count", headDim);
        if (ropeDims != headDim) {
            throw new ModelFormatException(f.path() + ": RoPE over " + ropeDims + " of " + headDim
                    + " head dimensions (partial rotary) is not supported");
        }
        if (f.tensors().containsKey("rope_freqs.weight")) {
            throw new ModelFormatException(f.path() + ": per-frequency RoPE factors (rope_freqs.weight, LLaMA 3.1 scaling) "
                    + "are not supported in GGUF files; convert the Hugging Face checkpoint instead");
        }
        LlamaConfig.RopeScaling scaling = null;
        String scalingType = f.string(p + "rope.scaling.type", "none");
        switch (scalingType) {
            case "none" -> { }
            case "linear" -> scaling = LlamaConfig.RopeScaling.linear(f.number(p + "rope.scaling.factor", 1.0));
            default -> throw new ModelFormatException(f.path() + ": rope scaling '" + scalingType + "' is not supported (linear only)");
        }
        if (f.has(p + "expert_count") && f.integer(p + "expert_count") > 0) {
            throw new ModelFormatException(f.path() + ": mixture-of-experts models are not supported");
        }
        GgufFile.TensorInfo embedding = f.tensor("token_embd.weight");
        int vocab = (int) embedding.shape()[0];
        List<Integer> eos = new ArrayList<>();
        for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id")) {
            if (f.has(key) && !eos.contains((int) f.integer(key))) {
                eos.add((int) f.integer(key));
            }
        }
        if (eos.isEmpty()) {
            eos.add(2);
        }
        try {
            return new LlamaConfig(hidden,
                    (int) f.integer(p + "feed_forward_length"),
                    (int) f.integer(p + "block_count"),
                    heads, kvHeads, headDim,
                    f.number(p + "attention.layer_norm_rms_epsilon", 1e-6),
                    f.number(p + "rope.freq_base", 10000.0),
                    scaling,
                    (int) f.integer(p + "context_length", 2048),
                    vocab,
                    !f.tensors().containsKey("output.weight"),
                    (int) f.integer("tokenizer.ggml.bos_token_id", 1),
                    eos,
                    storedTypes(f),   // what the file stores, for health/info; loading dequantizes
                    arch,
                    null);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(f.path() + ": " + e.getMessage());
        }
    }

    /** The config of a GGUF file (see {@link #config(GgufFile)}); format errors as {@link ModelFormatException}. */
    public static LlamaConfig readConfig(Path file) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            return config(f);
        } catch (GgufFormatException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    /** The types the tensors are stored in, most common first ("Q4_K ×169, Q6_K ×29, F32 ×57"). */
    public static String storedTypes(GgufFile f) {
        Map<GgmlType, Integer> counts = new LinkedHashMap<>();
        f.tensors().values().forEach(t -> counts.merge(t.type(), 1, Integer::sum));
        return counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .map(e -> e.getKey() + " ×" + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("none");
    }

    /** Loads a GGUF model onto {@code device} in its compute type. */
    public static LlamaModel load(Path file, Device device, int contextLength) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            LlamaConfig config = config(f);
            NDManager manager = NDManager.newBaseManager(device);
            try {
                Map<String, NDArray> params = readWeights(f, config, manager, LlamaModel.defaultDataType(device));
                return new LlamaModel(config, manager, params, contextLength);
            } catch (IOException | RuntimeException e) {
                manager.close();
                throw e;
            }
        } catch (GgufFormatException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    /** Every tensor the config needs, by Hugging Face name, dequantized to {@code dtype}, q/k unpermuted for LLaMA. */
    static Map<String, NDArray> readWeights(GgufFile f, LlamaConfig config, NDManager manager, DataType dtype) throws IOException {
        Map<String, Shape> shapes = LlamaModel.parameterShapes(config);
        Set<String> needed = new LinkedHashSet<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String gguf = ggufName(e.getKey());
            GgufFile.TensorInfo t = f.tensors().get(gguf);
            if (t == null) {
                throw new ModelFormatException(f.path() + " has no tensor " + gguf + " (" + e.getKey() + "), which a "
                        + config.architecture().modelType() + " model of " + config.numHiddenLayers() + " layers needs");
            }
            if (!new Shape(t.shape()).equals(e.getValue())) {
                throw new ModelFormatException(f.path() + ": tensor " + gguf + " has shape " + new Shape(t.shape())
                        + ", expected " + e.getValue() + " for " + e.getKey());
            }
            if (!t.type().supported()) {
                throw new ModelFormatException(f.path() + ": tensor " + gguf + " has type " + t.type()
                        + ", which this engine does not read (supported: " + GgufFile.supportedTypes() + ")");
            }
            needed.add(e.getKey());
        }
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (String name : needed) {
            NDArray w = read(f, f.tensor(ggufName(name)), manager, dtype);
            if (config.architecture() == Architecture.LLAMA || config.architecture() == Architecture.MISTRAL) {
                if (name.endsWith("self_attn.q_proj.weight")) {
                    w = unpermute(w, config.numAttentionHeads());
                } else if (name.endsWith("self_attn.k_proj.weight")) {
                    w = unpermute(w, config.numKeyValueHeads());
                }
            }
            params.put(name, w);
        }
        return params;
    }

    /**
     * Hugging Face's row order of a q or k projection from llama.cpp's: the converter viewed
     * the [heads·E, D] matrix as [heads, 2, E/2, D] and swapped the middle axes; this swaps them back.
     */
    static NDArray unpermute(NDArray w, int heads) {
        Shape s = w.getShape();
        long half = s.get(0) / heads / 2;
        try (NDArray view = w.reshape(heads, half, 2, s.get(1)).swapAxes(1, 2)) {
            NDArray back = view.reshape(s).duplicate();
            w.close();
            return back;
        }
    }

    /** Dequantizes one tensor into a new NDArray of {@code dtype}, a piece at a time. */
    static NDArray read(GgufFile f, GgufFile.TensorInfo t, NDManager manager, DataType dtype) throws IOException {
        Shape shape = new Shape(t.shape());
        long n = t.elements();
        if ((t.type() == GgmlType.F32 || t.type() == GgmlType.F16) && t.bytes() <= Integer.MAX_VALUE) {
            // stored as the engine holds floats: one copy from the mapped file (as safetensors are read)
            DataType stored = t.type() == GgmlType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
            try (NDArray mapped = manager.create(f.map(t), shape, stored)) {
                return stored == dtype ? mapped.duplicate() : mapped.toType(dtype, true);
            }
        }
        NDArray flat = manager.zeros(new Shape(n), dtype);
        ByteBuffer scratch = ByteBuffer.allocateDirect((int) Math.min(n, 1 << 20) * 4).order(ByteOrder.nativeOrder());
        FloatBuffer floats = scratch.asFloatBuffer();
        f.read(t, (values, count, first) -> {
            floats.clear();
            floats.put(values, 0, count);
            scratch.clear().limit(count * 4);
            try (NDArray chunk = manager.create(scratch, new Shape(count), DataType.FLOAT32)) {
                if (dtype == DataType.FLOAT32) {
                    flat.set(new NDIndex("{}:{}", first, first + count), chunk);     // set copies
                } else {
                    try (NDArray typed = chunk.toType(dtype, true)) {
                        flat.set(new NDIndex("{}:{}", first, first + count), typed);
                    }
                }
            }
        });
        if (shape.dimension() == 1) {
            return flat;
        }
        NDArray shaped = flat.reshape(shape);
        flat.close();
        return shaped;
    }
}
