package com.lawyerllama.llama;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape and constants of a decoder of the LLaMA family, as Hugging Face's {@code config.json}
 * states them for {@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}
 * and {@code Qwen3ForCausalLM} (see {@link Architecture}).
 *
 * @param headDim         per-head width; {@code hidden_size / num_attention_heads} unless given
 * @param numKeyValueHeads fewer than {@code numAttentionHeads} means grouped-query attention
 * @param ropeScaling     null for plain RoPE
 * @param eosTokenIds     one or more ids that end generation
 * @param torchDtype      the dtype the checkpoint was saved in ("float32", "bfloat16", …)
 * @param architecture    which options of the forward pass apply (bias, q/k norm)
 * @param slidingWindow   null when every layer attends to the whole context
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        int vocabSize,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype,
        Architecture architecture,
        SlidingWindow slidingWindow) {

    public static final String FILE_NAME = "config.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A LLaMA config (no bias, no q/k norm, no sliding window). */
    public LlamaConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                       int numKeyValueHeads, int headDim, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                       int maxPositionEmbeddings, int vocabSize, boolean tieWordEmbeddings, int bosTokenId,
                       List<Integer> eosTokenIds, String torchDtype) {
        this(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, rmsNormEps,
                ropeTheta, ropeScaling, maxPositionEmbeddings, vocabSize, tieWordEmbeddings, bosTokenId, eosTokenIds,
                torchDtype, Architecture.LLAMA, null);
    }

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        java.util.Objects.requireNonNull(architecture, "architecture");
        require(hiddenSize > 0 && numHiddenLayers > 0 && numAttentionHeads > 0 && vocabSize > 0
                && intermediateSize > 0 && headDim > 0, "sizes must be positive");
        require(numAttentionHeads % numKeyValueHeads == 0,
                "num_attention_heads (" + numAttentionHeads + ") must be a multiple of num_key_value_heads ("
                        + numKeyValueHeads + ")");
        require(headDim % 2 == 0, "head_dim must be even for RoPE, got " + headDim);
    }

    /** The same shape and constants as another architecture (e.g. a randomly initialised Qwen3 of a given shape). */
    public LlamaConfig withArchitecture(Architecture other) {
        return new LlamaConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, vocabSize, tieWordEmbeddings, bosTokenId,
                eosTokenIds, torchDtype, other, slidingWindow);
    }

    /**
     * Sliding-window attention as the checkpoint asks for it: layers {@code fromLayer} and up attend
     * only to the last {@code size} positions. The engine does not implement it; a model whose
     * served context is longer than the window is refused (see {@link LlamaModel}).
     */
    public record SlidingWindow(int size, int fromLayer) {
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Rough parameter count (embedding, layers, final norm, untied classifier). */
    public long parameterCount() {
        long h = hiddenSize;
        long attn = h * (long) numAttentionHeads * headDim * 2 + h * (long) numKeyValueHeads * headDim * 2;
        long mlp = 3L * h * intermediateSize;
        long layer = attn + mlp + 2 * h
                + (architecture.qkvBias() ? (long) (numAttentionHeads + 2 * numKeyValueHeads) * headDim : 0)
                + (architecture.qkNorm() ? 2L * headDim : 0);
        long emb = (long) vocabSize * h;
        return emb + numHiddenLayers * layer + h + (tieWordEmbeddings ? 0 : emb);
    }

    /** RoPE frequency scaling, {@code rope_scaling} in config.json. */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public static RopeScaling linear(double factor) {
            return new RopeScaling("linear", factor, 0, 0, 0);
        }
    }

    /** Reads {@code dir/config.json}; a missing file or an unsupported setting is named in the exception. */
    public static LlamaConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("missing " + FILE_NAME + " in model directory " + dir);
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (RuntimeException e) {
            throw new ModelFormatException(file + " is not valid JSON: " + e.getMessage());
        }
        Architecture arch;
        try {
            arch = architecture(n);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
        unsupportedOptions(n, arch, file);
        int hidden = requiredInt(n, "hidden_size", file);
        int heads = requiredInt(n, "num_attention_heads", file);
        int kvHeads = n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads;
        int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
        int layers = requiredInt(n, "num_hidden_layers", file);
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = n.get("eos_token_id");
        if (eosNode != null && eosNode.isArray()) {
            eosNode.forEach(e -> eos.add(e.asInt()));
        } else if (eosNode != null && !eosNode.isNull()) {
            eos.add(eosNode.asInt());
        } else if (eosNode == null) {
            eos.add(2);   // LlamaConfig's default; an explicit null means none (the tokenizer's EOS still stops)
        }
        try {
            return new LlamaConfig(
                    hidden,
                    requiredInt(n, "intermediate_size", file),
                    layers,
                    heads,
                    kvHeads,
                    headDim,
                    n.path("rms_norm_eps").asDouble(1e-6),
                    ropeTheta(n),
                    ropeScaling(n.hasNonNull("rope_scaling") ? n.get("rope_scaling") : n.get("rope_parameters"), file),
                    n.path("max_position_embeddings").asInt(2048),
                    requiredInt(n, "vocab_size", file),
                    n.path("tie_word_embeddings").asBoolean(false),
                    n.hasNonNull("bos_token_id") ? n.get("bos_token_id").asInt() : 1,
                    eos,
                    n.path("torch_dtype").asString(n.path("dtype").asString("float32")),
                    arch,
                    slidingWindow(n, arch, layers));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    /** {@code rope_theta}, or (as transformers 5 writes it) {@code rope_parameters.rope_theta}. */
    private static double ropeTheta(JsonNode n) {
        if (n.hasNonNull("rope_theta")) {
            return n.get("rope_theta").asDouble();
        }
        return n.path("rope_parameters").path("rope_theta").asDouble(10000.0);
    }

    /** {@code model_type}, else {@code architectures[0]}; a config with neither is LLaMA (as early LLaMA exports were). */
    private static Architecture architecture(JsonNode n) {
        if (n.hasNonNull("model_type")) {
            return Architecture.of(n.get("model_type").asString());
        }
        JsonNode classes = n.get("architectures");
        if (classes != null && classes.isArray() && !classes.isEmpty()) {
            return Architecture.of(classes.get(0).asString());
        }
        return Architecture.LLAMA;
    }

    /** Settings of these architectures that the forward pass does not compute: refused by name, never ignored. */
    private static void unsupportedOptions(JsonNode n, Architecture arch, Path file) {
        String act = n.path("hidden_act").asString("silu");
        if (!act.equals("silu")) {
            throw new ModelFormatException(file + ": hidden_act '" + act + "' is not supported (only silu)");
        }
        if (arch != Architecture.QWEN2 && n.path("attention_bias").asBoolean(false)) {
            throw new ModelFormatException(file + ": attention_bias true (a bias on every attention projection) is not "
                    + "supported for " + arch.modelType());
        }
        if (n.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException(file + ": mlp_bias true is not supported");
        }
    }

    /**
     * The sliding window in use, as transformers decides it: Mistral slides on every layer when
     * {@code sliding_window} is set; Qwen2/Qwen3 only when {@code use_sliding_window} is true, and
     * then on layers {@code max_window_layers} and up.
     */
    private static SlidingWindow slidingWindow(JsonNode n, Architecture arch, int layers) {
        JsonNode size = n.get("sliding_window");
        if (size == null || size.isNull() || !size.isNumber()) {
            return null;
        }
        return switch (arch) {
            case LLAMA -> null;
            case MISTRAL -> new SlidingWindow(size.asInt(), 0);
            case QWEN2, QWEN3 -> {
                if (!n.path("use_sliding_window").asBoolean(false)) {
                    yield null;
                }
                JsonNode types = n.get("layer_types");   // transformers 5 states each layer's kind
                if (types != null && types.isArray()) {
                    for (int i = 0; i < types.size(); i++) {
                        if (types.get(i).asString("").equals("sliding_attention")) {
                            yield new SlidingWindow(size.asInt(), i);
                        }
                    }
                    yield null;
                }
                int from = n.path("max_window_layers").asInt(layers);
                yield from < layers ? new SlidingWindow(size.asInt(), from) : null;
            }
        };
    }

    private static RopeScaling ropeScaling(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asString() : node.path("type").asString("");
        double factor = node.path("factor").asDouble(1.0);
        return switch (type) {
            case "default" -> null;
            case "linear" -> RopeScaling.linear(factor);
            case "llama3" -> new RopeScaling("llama3", factor,
                    node.path("low_freq_factor").asDouble(1.0),
                    node.path("high_freq_factor").asDouble(4.0),
                    node.path("original_max_position_embeddings").asInt(8192));
            default -> throw new ModelFormatException(file + ": unsupported rope_scaling type '" + type
                    + "' (supported: linear, llama3)");
        };
    }

    private static int requiredInt(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) {
            throw new ModelFormatException(file + ": missing or non-numeric '" + key + "'");
        }
        return v.asInt();
    }

    /** Writes {@code dir/config.json} in Hugging Face's form. */
    public void write(Path dir, String dtype) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(architecture.className());
        n.put("model_type", architecture.modelType());
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("num_key_value_heads", numKeyValueHeads);
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("rms_norm_eps", rmsNormEps);
        n.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            n.putNull("rope_scaling");
        } else {
            ObjectNode rs = n.putObject("rope_scaling");
            rs.put("rope_type", ropeScaling.type());
            rs.put("factor", ropeScaling.factor());
            if (ropeScaling.type().equals("llama3")) {
                rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
                rs.put("high_freq_factor", ropeScaling.highFreqFactor());
                rs.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
        }
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("vocab_size", vocabSize);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        n.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) {
            n.put("eos_token_id", eosTokenIds.get(0));
        } else {
            ArrayNode a = n.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        switch (architecture) {
            case LLAMA, MISTRAL -> {
                n.put("attention_bias", false);
                n.put("mlp_bias", false);
                if (architecture == Architecture.MISTRAL) {
                    if (slidingWindow == null) {
                        n.putNull("sliding_window");
                    } else {
                        n.put("sliding_window", slidingWindow.size());
                    }
                }
            }
            case QWEN2, QWEN3 -> {
                if (architecture == Architecture.QWEN3) {
                    n.put("attention_bias", false);
                }
                n.put("use_sliding_window", slidingWindow != null);
                if (slidingWindow == null) {
                    n.putNull("sliding_window");
                    n.put("max_window_layers", numHiddenLayers);
                } else {
                    n.put("sliding_window", slidingWindow.size());
                    n.put("max_window_layers", slidingWindow.fromLayer());
                }
            }
        }
        n.put("torch_dtype", dtype);
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
