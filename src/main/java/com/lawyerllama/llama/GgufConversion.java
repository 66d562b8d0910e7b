package com.lawyerllama.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import com.lawyerllama.llama.gguf.GgmlType;
import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufFormatException;
import com.lawyerllama.llama.gguf.GgufWriter;
import com.lawyerllama.llama.tokenizer.GgufTokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Converting between the Hugging Face layout and GGUF: {@code convert --to gguf} writes a file
 * llama.cpp and Ollama load (weights as F32, F16 or Q8_0; norms and biases stay F32, as
 * llama.cpp's converter keeps them; tokenizer and chat template embedded), and
 * {@code convert --from gguf} writes a model directory (config.json, safetensors, tokenizer
 * files, the chat template in tokenizer_config.json).
 */
public final class GgufConversion {
    private GgufConversion() {
    }

    /** {@code general.file_type} numbers (llama.cpp's {@code llama_ftype}). */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case Q4_K -> 15;                        // LLAMA_FTYPE_MOSTLY_Q4_K_M
            default -> throw new IllegalArgumentException("cannot write GGUF weights as " + type + " (supported: F32, F16, Q8_0, Q4_K)");
        };
    }

    /** Writes the Hugging Face model in {@code modelDir} as one GGUF file, its matrices stored as {@code type}. */
    public static void toGguf(Path modelDir, Path out, GgmlType type) throws IOException {
        int ftype = fileType(type);
        LlamaConfig c = LlamaConfig.read(modelDir);
        if (c.slidingWindow() != null) {
            throw new ModelFormatException(modelDir + ": a sliding window cannot be written to GGUF by this converter");
        }
        if (c.ropeScaling() != null && !c.ropeScaling().type().equals("linear")) {
            throw new ModelFormatException(modelDir + ": rope_scaling " + c.ropeScaling().type()
                    + " cannot be written to GGUF by this converter (linear only)");
        }
        Architecture arch = c.architecture() == Architecture.MISTRAL ? Architecture.LLAMA : c.architecture();
        String p = arch.modelType() + ".";
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", arch.modelType());
        w.putString("general.name", modelDir.toAbsolutePath().normalize().getFileName().toString());
        w.putUint32("general.file_type", ftype);
        if (type == GgmlType.Q8_0 || type == GgmlType.Q4_K) {
            w.putUint32("general.quantization_version", 2);
        }
        w.putUint32(p + "context_length", c.maxPositionEmbeddings());
        w.putUint32(p + "embedding_length", c.hiddenSize());
        w.putUint32(p + "block_count", c.numHiddenLayers());
        w.putUint32(p + "feed_forward_length", c.intermediateSize());
        w.putUint32(p + "attention.head_count", c.numAttentionHeads());
        w.putUint32(p + "attention.head_count_kv", c.numKeyValueHeads());
        w.putUint32(p + "attention.key_length", c.headDim());
        w.putUint32(p + "attention.value_length", c.headDim());
        w.putUint32(p + "rope.dimension_count", c.headDim());
        w.putFloat32(p + "rope.freq_base", (float) c.ropeTheta());
        w.putFloat32(p + "attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        if (c.ropeScaling() != null) {
            w.putString(p + "rope.scaling.type", "linear");
            w.putFloat32(p + "rope.scaling.factor", (float) c.ropeScaling().factor());
        }
        GgufTokenizers.addToGguf(modelDir, w, c.vocabSize(), c.bosTokenId(), c.eosTokenIds());

        try (LlamaModel model = LlamaModel.load(modelDir, Device.cpu(), 1)) {
            List<NDArray> made = new ArrayList<>();
            try {
                for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                    String name = e.getKey();
                    NDArray weight = e.getValue();
                    if (arch == Architecture.LLAMA && name.endsWith("self_attn.q_proj.weight")) {
                        weight = permute(weight, c.numAttentionHeads());
                        made.add(weight);
                    } else if (arch == Architecture.LLAMA && name.endsWith("self_attn.k_proj.weight")) {
                        weight = permute(weight, c.numKeyValueHeads());
                        made.add(weight);
                    }
                    long[] shape = weight.getShape().getShape();
                    // rows that are not whole blocks fall back to a type with smaller blocks, as llama.cpp's converter does
                    long row = shape[shape.length - 1];
                    GgmlType stored = shape.length == 1 ? GgmlType.F32
                            : row % type.blockSize == 0 ? type
                            : row % GgmlType.Q8_0.blockSize == 0 && type != GgmlType.F32 ? GgmlType.Q8_0 : GgmlType.F16;
                    NDArray flat = weight.reshape(-1);
                    made.add(flat);
                    w.addTensor(GgufModels.ggufName(name), shape, stored, (first, into, count) -> {
                        try (NDArray part = flat.get(new NDIndex("{}:{}", first, first + count))) {
                            System.arraycopy(part.toFloatArray(), 0, into, 0, count);
                        }
                    });
                }
                w.write(out);
            } finally {
                made.forEach(NDArray::close);
            }
        }
    }

    /** llama.cpp's row order for LLaMA's q and k (see {@link GgufModels#unpermute}, its inverse). */
    static NDArray permute(NDArray w, int heads) {
        long rows = w.getShape().get(0);
        long cols = w.getShape().get(1);
        try (NDArray view = w.reshape(heads, 2, rows / heads / 2, cols).swapAxes(1, 2)) {
            return view.reshape(rows, cols).duplicate();
        }
    }

    /** Writes a GGUF file as a Hugging Face model directory (atomically), weights stored as {@code dtype}. */
    public static void toHuggingFace(Path gguf, Path outDir, SafetensorsReader.DType dtype) throws IOException {
        try (GgufFile f = GgufFile.open(gguf); LlamaModel model = GgufModels.load(gguf, Device.cpu(), 1)) {
            Checkpoints.writeAtomically(outDir, tmp -> {
                model.saveTo(tmp, dtype, Long.MAX_VALUE);
                GgufTokenizers.writeHuggingFace(f, tmp);
            });
        } catch (GgufFormatException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }
}
