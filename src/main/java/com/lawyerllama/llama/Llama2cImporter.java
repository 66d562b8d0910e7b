package com.lawyerllama.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports a llama2.c checkpoint (the legacy format of {@code run.c}) into the Hugging Face
 * layout.
 *
 * <p>The file: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
 * a negative vocab_size means the classifier is stored separately), then float32 arrays in
 * PyTorch [out, in] order: tok_embeddings, attention norms, wq, wk, wv, wo, ffn norms, w1, w2,
 * w3, final norm, two unused RoPE tables, and the classifier when not shared.
 *
 * <p>llama2.c rotates adjacent pairs (2i, 2i+1) of each head; Hugging Face rotates (i, i+E/2).
 * Reordering the rows of wq and wk (per head: row 2i → i, row 2i+1 → i+E/2) makes the
 * HF forward pass compute exactly what llama2.c computes, with no special case in the model.
 */
public final class Llama2cImporter {
    private static final int HEADER_BYTES = 7 * 4;

    private Llama2cImporter() {
    }

    /** Writes {@code outDir} (config.json, model.safetensors, tokenizer files) atomically. */
    public static void convert(Path checkpoint, Path tokenizerBin, Path outDir) throws IOException {
        convert(checkpoint, tokenizerBin, outDir, SafetensorsReader.DType.F32);
    }

    /** As {@link #convert(Path, Path, Path)}, storing the weights as {@code fileType}. */
    public static void convert(Path checkpoint, Path tokenizerBin, Path outDir, SafetensorsReader.DType fileType)
            throws IOException {
        try (LlamaModel model = read(checkpoint, Device.cpu())) {
            Checkpoints.writeAtomically(outDir, tmp -> {
                model.saveTo(tmp, fileType, 0);
                Tokenizers.convertLlama2c(tokenizerBin, tmp);
            });
        }
    }

    /** Reads the config that a llama2.c header describes. */
    public static LlamaConfig readConfig(Path checkpoint) throws IOException {
        try (FileChannel ch = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining()) {
                if (ch.read(h) < 0) {
                    throw new ModelFormatException(checkpoint + " is too short for a llama2.c checkpoint");
                }
            }
            int dim = h.getInt(0);
            int hidden = h.getInt(4);
            int layers = h.getInt(8);
            int heads = h.getInt(12);
            int kvHeads = h.getInt(16);
            int vocab = h.getInt(20);
            int seqLen = h.getInt(24);
            if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || seqLen <= 0 || dim % heads != 0) {
                throw new ModelFormatException(checkpoint + " does not start with a llama2.c header (dim " + dim
                        + ", hidden " + hidden + ", layers " + layers + ", heads " + heads + ", kv heads " + kvHeads + ")");
            }
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, dim / heads, 1e-5, 10000.0, null,
                    seqLen, Math.abs(vocab), vocab > 0, 1, List.of(2), "float32");
        }
    }

    /** Reads a llama2.c checkpoint as a model with HF-layout weights. */
    public static LlamaModel read(Path checkpoint, Device device) throws IOException {
        LlamaConfig c = readConfig(checkpoint);
        long d = c.hiddenSize();
        long f = c.intermediateSize();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        int layers = c.numHiddenLayers();
        NDManager manager = NDManager.newBaseManager(device);
        try (FileChannel ch = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            Reader r = new Reader(ch, manager, HEADER_BYTES);
            Map<String, NDArray> p = new LinkedHashMap<>();
            p.put("model.embed_tokens.weight", r.next(c.vocabSize(), d));
            String[] names = {"input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                    "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"};
            Shape[] shapes = {new Shape(d), new Shape(d, d), new Shape(kv, d), new Shape(kv, d), new Shape(d, d),
                    new Shape(d), new Shape(f, d), new Shape(d, f), new Shape(f, d)};
            // llama2.c stores each kind for all layers together: all attention norms, then all wq, …
            for (int kind = 0; kind < names.length; kind++) {
                for (int l = 0; l < layers; l++) {
                    NDArray w = r.next(shapes[kind].getShape());
                    if (kind == 1) {
                        w = toRotateHalf(w, c.numAttentionHeads(), c.headDim());
                    } else if (kind == 2) {
                        w = toRotateHalf(w, c.numKeyValueHeads(), c.headDim());
                    }
                    p.put("model.layers." + l + "." + names[kind] + ".weight", w);
                }
            }
            p.put("model.norm.weight", r.next(d));
            r.skip(2L * c.maxPositionEmbeddings() * (c.headDim() / 2));  // freq_cis_real, freq_cis_imag
            if (!c.tieWordEmbeddings()) {
                p.put("lm_head.weight", r.next(c.vocabSize(), d));
            }
            Map<String, NDArray> ordered = new LinkedHashMap<>();
            LlamaModel.parameterShapes(c).keySet().forEach(name -> ordered.put(name, p.get(name)));
            return new LlamaModel(c, manager, ordered, c.maxPositionEmbeddings());
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Rows of each head reordered from adjacent pairs to halves: [h, E/2, 2, in] → [h, 2, E/2, in]. */
    static NDArray toRotateHalf(NDArray w, int heads, int headDim) {
        long in = w.getShape().get(1);
        NDArray permuted = w.reshape(heads, headDim / 2, 2, in).transpose(0, 2, 1, 3)
                .reshape((long) heads * headDim, in).duplicate();
        w.close();
        return permuted;
    }

    /** Reads consecutive float32 arrays, each mapped on its own so files over 2 GB work. */
    private static final class Reader {
        private final FileChannel ch;
        private final NDManager manager;
        private long position;

        Reader(FileChannel ch, NDManager manager, long position) {
            this.ch = ch;
            this.manager = manager;
            this.position = position;
        }

        NDArray next(long... shape) throws IOException {
            Shape s = new Shape(shape);
            long bytes = s.size() * 4;
            if (position + bytes > ch.size()) {
                throw new ModelFormatException("llama2.c checkpoint ends early: needs " + (position + bytes)
                        + " bytes, has " + ch.size());
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, position, bytes);
            map.order(ByteOrder.LITTLE_ENDIAN);
            position += bytes;
            try (NDArray mapped = manager.create(map, s, DataType.FLOAT32)) {
                return mapped.duplicate();
            }
        }

        void skip(long floats) {
            position += floats * 4;
        }
    }
}
