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
 * The shape and constants of a LLaMA model, as Hugging Face's {@code config.json} for
 * {@code LlamaForCausalLM} states them.
 *
 * @param headDim         per-head width; {@code hidden_size / num_attention_heads} unless given
 * @param numKeyValueHeads fewer than {@code numAttentionHeads} means grouped-query attention
 * @param ropeScaling     null for plain RoPE
 * @param eosTokenIds     one or more ids that end generation
 * @param torchDtype      the dtype the checkpoint was saved in ("float32", "bfloat16", …)
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
        String torchDtype) {

    public static final String FILE_NAME = "config.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        require(hiddenSize > 0 && numHiddenLayers > 0 && numAttentionHeads > 0 && vocabSize > 0
                && intermediateSize > 0 && headDim > 0, "sizes must be positive");
        require(numAttentionHeads % numKeyValueHeads == 0,
                "num_attention_heads (" + numAttentionHeads + ") must be a multiple of num_key_value_heads ("
                        + numKeyValueHeads + ")");
        require(headDim % 2 == 0, "head_dim must be even for RoPE, got " + headDim);
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
        long layer = attn + mlp + 2 * h;
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
        String arch = n.path("model_type").asString("llama");
        if (!arch.equals("llama") && !arch.equals("mistral")) {
            throw new ModelFormatException(file + ": model_type '" + arch + "' is not a LLaMA model");
        }
        int hidden = requiredInt(n, "hidden_size", file);
        int heads = requiredInt(n, "num_attention_heads", file);
        int kvHeads = n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads;
        int headDim = n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads;
        List<Integer> eos = new ArrayList<>();
        JsonNode eosNode = n.get("eos_token_id");
        if (eosNode != null && eosNode.isArray()) {
            eosNode.forEach(e -> eos.add(e.asInt()));
        } else if (eosNode != null && !eosNode.isNull()) {
            eos.add(eosNode.asInt());
        } else {
            eos.add(2);
        }
        try {
            return new LlamaConfig(
                    hidden,
                    requiredInt(n, "intermediate_size", file),
                    requiredInt(n, "num_hidden_layers", file),
                    heads,
                    kvHeads,
                    headDim,
                    n.path("rms_norm_eps").asDouble(1e-6),
                    n.path("rope_theta").asDouble(10000.0),
                    ropeScaling(n.get("rope_scaling"), file),
                    n.path("max_position_embeddings").asInt(2048),
                    requiredInt(n, "vocab_size", file),
                    n.path("tie_word_embeddings").asBoolean(false),
                    n.path("bos_token_id").asInt(1),
                    eos,
                    n.path("torch_dtype").asString("float32"));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
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
        n.putArray("architectures").add("LlamaForCausalLM");
        n.put("model_type", "llama");
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
        n.put("attention_bias", false);
        n.put("mlp_bias", false);
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
