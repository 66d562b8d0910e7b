package com.lawyerllama.retrieval.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT encoder on DJL: token, position and segment embeddings, {@code layers} post-norm
 * transformer blocks (self-attention, then a GELU feed-forward layer, each added to its input and
 * layer-normalised), and the final state of {@code [CLS]}, L2-normalised, as the text's vector.
 * Its weights carry the names and layout of a Hugging Face {@code BertModel} checkpoint; a
 * pretrained Chinese BERT (BGE-small-zh) is read from its ONNX export ({@link OnnxWeights}) and its
 * {@code tokenizer.json} ({@link WordPieceTokenizer}).
 *
 * <p>Questions may carry an instruction prefix (BGE's retrieval models were trained with one on
 * the query side only).
 */
public final class BertEncoder implements AutoCloseable {

    /** The model's shape and how it reads texts. */
    public record Config(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
                         int maxQueryTokens, int maxArticleTokens, String queryPrefix) {

        Map<String, Shape> parameterShapes() {
            Map<String, Shape> shapes = new LinkedHashMap<>();
            shapes.put("embeddings.word_embeddings.weight", new Shape(vocabSize, hidden));
            shapes.put("embeddings.position_embeddings.weight", new Shape(maxPositions, hidden));
            shapes.put("embeddings.token_type_embeddings.weight", new Shape(2, hidden));
            shapes.put("embeddings.LayerNorm.weight", new Shape(hidden));
            shapes.put("embeddings.LayerNorm.bias", new Shape(hidden));
            for (int l = 0; l < layers; l++) {
                String p = "encoder.layer." + l + ".";
                for (String linear : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                        "attention.output.dense")) {
                    shapes.put(p + linear + ".weight", new Shape(hidden, hidden));
                    shapes.put(p + linear + ".bias", new Shape(hidden));
                }
                shapes.put(p + "attention.output.LayerNorm.weight", new Shape(hidden));
                shapes.put(p + "attention.output.LayerNorm.bias", new Shape(hidden));
                shapes.put(p + "intermediate.dense.weight", new Shape(intermediate, hidden));
                shapes.put(p + "intermediate.dense.bias", new Shape(intermediate));
                shapes.put(p + "output.dense.weight", new Shape(hidden, intermediate));
                shapes.put(p + "output.dense.bias", new Shape(hidden));
                shapes.put(p + "output.LayerNorm.weight", new Shape(hidden));
                shapes.put(p + "output.LayerNorm.bias", new Shape(hidden));
            }
            return shapes;
        }
    }

    /** Texts encoded together; an encoding call sorts its texts by length into groups of this size, so little is padding. */
    private static final int GROUP = 32;

    /**
     * A pretrained encoder that this build carries on its classpath (from Maven Central).
     *
     * @param onnx          resource of the ONNX export
     * @param tokenizer     resource of its {@code tokenizer.json}
     * @param headSize      dimensions per attention head
     * @param queryPrefix   the instruction its authors put before a query
     */
    public record Bundled(String onnx, String tokenizer, int headSize, String queryPrefix) {
    }

    /**
     * The bundled encoders by name. BGE-small-zh v1.5 (BAAI, MIT licence): a 4-layer, 512-wide
     * Chinese BERT trained for retrieval, which reads questions with an instruction prefix.
     */
    public static final Map<String, Bundled> BUNDLED = Map.of(
            "bge-small-zh-v1.5", new Bundled("/bge-small-zh-v1.5.onnx", "/bge-small-zh-v1.5-tokenizer.json", 64,
                    "为这个句子生成表示以用于检索相关文章："));
    /** Tokens of a question (prefix included) and of an article that a bundled encoder reads. */
    static final int BUNDLED_QUERY_TOKENS = 128;
    static final int BUNDLED_ARTICLE_TOKENS = 256;
    private static final float LAYER_NORM_EPS = 1e-12f;

    private final NDManager manager;
    private final WordPieceTokenizer tokenizer;
    private final Map<String, NDArray> parameters;
    private final Config config;
    private final String source;

    private BertEncoder(NDManager manager, WordPieceTokenizer tokenizer, Map<String, NDArray> parameters, Config config,
                        String source) {
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.parameters = parameters;
        this.config = config;
        this.source = source;
    }

    /**
     * A BERT read from its ONNX export and Hugging Face {@code tokenizer.json}; the number of
     * layers, heads and sizes follow from the weights ({@code headSize} is not stored in them).
     */
    public static BertEncoder fromOnnx(byte[] onnx, String tokenizerJson, int headSize, int maxQueryTokens, int maxArticleTokens,
                                       String queryPrefix, NDManager parent) throws IOException {
        Map<String, OnnxWeights.Tensor> weights = OnnxWeights.read(onnx);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromTokenizerJson(tokenizerJson);
        OnnxWeights.Tensor words = require(weights, "embeddings.word_embeddings.weight");
        OnnxWeights.Tensor positions = require(weights, "embeddings.position_embeddings.weight");
        OnnxWeights.Tensor intermediate = require(weights, "encoder.layer.0.intermediate.dense.weight");
        int layers = 0;
        while (weights.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
            layers++;
        }
        int hidden = (int) words.shape()[1];
        Config config = new Config((int) words.shape()[0], hidden, layers, hidden / headSize, (int) intermediate.shape()[0],
                (int) positions.shape()[0], maxQueryTokens, maxArticleTokens, queryPrefix);
        if (config.vocabSize() != tokenizer.size()) {
            throw new IOException("the ONNX model has " + config.vocabSize() + " token embeddings, tokenizer.json "
                    + tokenizer.size() + " pieces");
        }
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        try {
            for (var e : config.parameterShapes().entrySet()) {
                OnnxWeights.Tensor t = require(weights, e.getKey());
                if (!new Shape(t.shape()).equals(e.getValue())) {
                    throw new IOException("ONNX weight " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                            + ", a BERT of this size needs " + e.getValue());
                }
                p.put(e.getKey(), manager.create(t.values(), e.getValue()));
            }
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return new BertEncoder(manager, tokenizer, p, config, DenseEncoder.digest(onnx));
    }

    /** A digest of the ONNX file the weights were read from (a retriever model's id includes it). */
    public String source() {
        return source;
    }

    /** A bundled pretrained encoder ({@link #BUNDLED}), read from the classpath. */
    public static BertEncoder bundled(String name, NDManager parent) throws IOException {
        Bundled b = BUNDLED.get(name);
        if (b == null) {
            throw new IOException("no bundled pretrained encoder named '" + name + "' (known: " + BUNDLED.keySet() + ")");
        }
        byte[] onnx;
        String tokenizerJson;
        try (var in = BertEncoder.class.getResourceAsStream(b.onnx());
             var tok = BertEncoder.class.getResourceAsStream(b.tokenizer())) {
            if (in == null || tok == null) {
                throw new IOException("the pretrained encoder '" + name + "' is not on the classpath (" + b.onnx() + ")");
            }
            onnx = in.readAllBytes();
            tokenizerJson = new String(tok.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        return fromOnnx(onnx, tokenizerJson, b.headSize(), BUNDLED_QUERY_TOKENS, BUNDLED_ARTICLE_TOKENS, b.queryPrefix(), parent);
    }

    private static OnnxWeights.Tensor require(Map<String, OnnxWeights.Tensor> weights, String name) throws IOException {
        OnnxWeights.Tensor t = weights.get(name);
        if (t == null) {
            throw new IOException("the ONNX model has no BERT weight " + name);
        }
        return t;
    }

    public Config config() {
        return config;
    }

    public int dims() {
        return config.hidden();
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    /** The trainable tensors by name. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Token ids of a question (with the query prefix) or an article text. */
    public int[] ids(String text, DenseEncoder.Side side) {
        return side == DenseEncoder.Side.QUERY
                ? tokenizer.encode(config.queryPrefix() + text, config.maxQueryTokens())
                : tokenizer.encode(text, config.maxArticleTokens());
    }

    /** Normalised {@code [CLS]} vectors [B, hidden] of already-tokenised texts; differentiable when gradients are recorded. */
    public NDArray forward(int[][] ids, NDManager scope) {
        DenseEncoder.Padded padded = DenseEncoder.Padded.of(ids, 0f, -1e4f);   // the mask as an attention bias
        int b = ids.length;
        int l = padded.length();
        int h = config.hidden();
        int heads = config.heads();
        int headSize = h / heads;
        NDArray index = scope.create(padded.ids(), new Shape(b, l));
        NDArray bias = scope.create(padded.mask(), new Shape(b, 1, 1, l));
        NDArray x = index.getNDArrayInternal()
                .embedding(index, parameters.get("embeddings.word_embeddings.weight"), SparseFormat.DENSE).singletonOrThrow()
                .add(parameters.get("embeddings.position_embeddings.weight").get(new NDIndex("0:{}", l)))
                .add(parameters.get("embeddings.token_type_embeddings.weight").get(0));
        x = layerNorm(x, "embeddings.LayerNorm");
        float scale = (float) (1 / Math.sqrt(headSize));
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = "encoder.layer." + layer + ".";
            NDArray q = heads(linear(x, p + "attention.self.query"), b, l, heads, headSize);
            NDArray k = heads(linear(x, p + "attention.self.key"), b, l, heads, headSize);
            NDArray v = heads(linear(x, p + "attention.self.value"), b, l, heads, headSize);
            NDArray attention = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(bias).softmax(-1);
            NDArray context = attention.matMul(v).transpose(0, 2, 1, 3).reshape(b, l, h);
            x = layerNorm(x.add(linear(context, p + "attention.output.dense")), p + "attention.output.LayerNorm");
            NDArray inner = linear(x, p + "intermediate.dense");
            inner = inner.getNDArrayInternal().gelu();
            x = layerNorm(x.add(linear(inner, p + "output.dense")), p + "output.LayerNorm");
        }
        return DenseEncoder.unitRows(x.get(new NDIndex(":, 0, :")));
    }

    private NDArray linear(NDArray x, String name) {
        return x.getNDArrayInternal().linear(x, parameters.get(name + ".weight"), parameters.get(name + ".bias")).singletonOrThrow();
    }

    private static NDArray heads(NDArray x, int b, int l, int heads, int headSize) {
        return x.reshape(b, l, heads, headSize).transpose(0, 2, 1, 3);
    }

    private NDArray layerNorm(NDArray x, String name) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(config.hidden()), parameters.get(name + ".weight"),
                parameters.get(name + ".bias"), LAYER_NORM_EPS).singletonOrThrow();
    }

    /**
     * Normalised vectors of texts on one side, without gradients; safe to call from several threads.
     * The texts go through the model in groups of similar length.
     */
    public float[][] encode(List<String> texts, DenseEncoder.Side side) {
        int[][] ids = new int[texts.size()][];
        Integer[] order = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ids(texts.get(i), side);
            order[i] = i;
        }
        Arrays.sort(order, java.util.Comparator.comparingInt(i -> ids[i].length));
        float[][] out = new float[ids.length][];
        for (int from = 0; from < order.length; from += GROUP) {
            int n = Math.min(GROUP, order.length - from);
            int[][] group = new int[n][];
            for (int i = 0; i < n; i++) {
                group[i] = ids[order[from + i]];
            }
            try (NDManager scope = manager.newSubManager()) {
                float[][] vectors = DenseEncoder.rows(forward(group, scope));
                for (int i = 0; i < n; i++) {
                    out[order[from + i]] = vectors[i];
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
