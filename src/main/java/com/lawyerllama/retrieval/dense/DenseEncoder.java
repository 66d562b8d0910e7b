package com.lawyerllama.retrieval.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import com.lawyerllama.law.Article;
import com.lawyerllama.llama.Checkpoints;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dense retriever's text encoder: a two-tower model over character unigrams and bigrams
 * ({@link NgramVocabulary}). A text's units are embedded, pooled with weights from a learned
 * per-unit salience (a softmax over the text, so filler units learn to weigh little), projected by
 * a side-specific matrix (questions and statute articles are written differently) and
 * L2-normalised; relevance is the dot product. Small enough to embed the whole corpus on a CPU in
 * about a minute and to encode a question in well under a millisecond, which a transformer encoder
 * of useful size could not on this hardware.
 *
 * <p>A model directory holds {@code config.json} (shape and id), {@code vocab.txt} and
 * {@code model.safetensors}. The id is a digest of the weights: vectors stored in the index carry
 * it, so vectors from another model are never compared with this one's questions.
 */
public final class DenseEncoder implements AutoCloseable {

    public enum Side { QUERY, ARTICLE }

    /** The model's shape and identity, as in {@code config.json}. */
    public record Config(String type, int dims, int vocabSize, int maxQueryUnits, int maxArticleUnits,
                         int maxArticleChars, double temperature, String id) {
    }

    public static final String TYPE = "ngram-salience-pool";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String EMBEDDINGS = "embeddings";
    static final String SALIENCE = "salience";
    static final String QUERY_PROJECTION = "query_projection";
    static final String ARTICLE_PROJECTION = "article_projection";

    private final NDManager manager;
    private final NgramVocabulary vocabulary;
    private final Map<String, NDArray> parameters;
    private Config config;

    private DenseEncoder(NDManager manager, NgramVocabulary vocabulary, Map<String, NDArray> parameters, Config config) {
        this.manager = manager;
        this.vocabulary = vocabulary;
        this.parameters = parameters;
        this.config = config;
    }

    /** A fresh model: small random embeddings, zero salience, identity projections. */
    public static DenseEncoder random(NgramVocabulary vocabulary, int dims, long seed, NDManager parent) {
        NDManager manager = parent.newSubManager();
        Random random = new Random(seed);
        float[] emb = new float[vocabulary.size() * dims];
        for (int i = dims; i < emb.length; i++) {    // row 0 (padding) stays zero
            emb[i] = (float) (random.nextGaussian() * 0.1);
        }
        float[] eye = new float[dims * dims];
        for (int i = 0; i < dims; i++) {
            eye[i * dims + i] = 1f;
        }
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put(EMBEDDINGS, manager.create(emb, new Shape(vocabulary.size(), dims)));
        p.put(SALIENCE, manager.zeros(new Shape(vocabulary.size(), 1)));
        p.put(QUERY_PROJECTION, manager.create(eye, new Shape(dims, dims)));
        p.put(ARTICLE_PROJECTION, manager.create(eye.clone(), new Shape(dims, dims)));
        Config config = new Config(TYPE, dims, vocabulary.size(), 256, 384, 600, 0.05, "untrained");
        return new DenseEncoder(manager, vocabulary, p, config);
    }

    /** Loads a model directory written by {@link #save}; the message names what is wrong with a bad one. */
    public static DenseEncoder load(Path dir, NDManager parent) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException("not a retriever model directory (no config.json): " + dir);
        }
        Config config = JSON.readValue(Files.readString(configFile), Config.class);
        if (!TYPE.equals(config.type())) {
            throw new IOException("retriever model " + dir + " has type " + config.type() + "; this version reads " + TYPE);
        }
        NgramVocabulary vocabulary = NgramVocabulary.load(dir);
        if (vocabulary.size() != config.vocabSize()) {
            throw new IOException("retriever model " + dir + ": vocab.txt has " + vocabulary.size()
                    + " ids, config.json says " + config.vocabSize());
        }
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.openDirectory(dir)) {
            int v = config.vocabSize();
            int d = config.dims();
            p.put(EMBEDDINGS, reader.load(manager, EMBEDDINGS, new Shape(v, d), DataType.FLOAT32));
            p.put(SALIENCE, reader.load(manager, SALIENCE, new Shape(v, 1), DataType.FLOAT32));
            p.put(QUERY_PROJECTION, reader.load(manager, QUERY_PROJECTION, new Shape(d, d), DataType.FLOAT32));
            p.put(ARTICLE_PROJECTION, reader.load(manager, ARTICLE_PROJECTION, new Shape(d, d), DataType.FLOAT32));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return new DenseEncoder(manager, vocabulary, p, config);
    }

    /**
     * Writes the model to {@code dir} atomically, weights as {@code dtype}; its id becomes the
     * digest of the weight file. {@code extra} files (plan, metrics) are written alongside.
     */
    public void save(Path dir, SafetensorsReader.DType dtype, Map<String, String> extra) throws IOException {
        Checkpoints.writeAtomically(dir, tmp -> {
            SafetensorsWriter.write(tmp, parameters, dtype, 0);
            vocabulary.save(tmp);
            String id = digest(tmp.resolve(SafetensorsReader.SINGLE_FILE));
            config = new Config(config.type(), config.dims(), config.vocabSize(), config.maxQueryUnits(),
                    config.maxArticleUnits(), config.maxArticleChars(), config.temperature(), id);
            Files.writeString(tmp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
            for (Map.Entry<String, String> e : extra.entrySet()) {
                Files.writeString(tmp.resolve(e.getKey()), e.getValue());
            }
        });
    }

    private static String digest(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Config config() {
        return config;
    }

    public String id() {
        return config.id();
    }

    public int dims() {
        return config.dims();
    }

    public NgramVocabulary vocabulary() {
        return vocabulary;
    }

    /** The trainable tensors by name (the training loop attaches gradients to them). */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    public NDManager manager() {
        return manager;
    }

    /** What an article is embedded as: the law's short name, its 编/章/节 path and the start of its text. */
    public String articleText(Article article) {
        String text = article.law() + " " + String.join(" ", article.path()) + " " + article.text();
        return text.length() > config.maxArticleChars() ? text.substring(0, config.maxArticleChars()) : text;
    }

    /**
     * What a question is encoded as: the question, then the user's earlier turns in the
     * conversation (units beyond {@code maxQueryUnits} are cut, so the question itself always counts).
     */
    public static String queryText(String question, List<String> earlierQuestions) {
        return earlierQuestions.isEmpty() ? question : question + "\n" + String.join("\n", earlierQuestions);
    }

    /** Unit ids of a text as this model reads it on the given side. */
    public int[] ids(String text, Side side) {
        return vocabulary.encode(text, side == Side.QUERY ? config.maxQueryUnits() : config.maxArticleUnits());
    }

    /** Normalised vectors [B, D] for already-encoded texts; differentiable when gradients are being recorded. */
    public NDArray forward(int[][] ids, Side side, NDManager scope) {
        int b = ids.length;
        int l = 1;
        for (int[] row : ids) {
            l = Math.max(l, row.length);
        }
        long[] flat = new long[b * l];
        float[] mask = new float[b * l];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < ids[i].length; j++) {
                flat[i * l + j] = ids[i][j];
                mask[i * l + j] = 1f;
            }
        }
        NDArray index = scope.create(flat, new Shape(b, l));
        NDArray maskNd = scope.create(mask, new Shape(b, l, 1));
        NDArray embedded = index.getNDArrayInternal()
                .embedding(index, parameters.get(EMBEDDINGS), SparseFormat.DENSE).singletonOrThrow();        // [B, L, D]
        NDArray salience = index.getNDArrayInternal()
                .embedding(index, parameters.get(SALIENCE), SparseFormat.DENSE).singletonOrThrow();          // [B, L, 1]
        NDArray weights = salience.add(maskNd.sub(1f).mul(1e4f)).softmax(1);
        NDArray pooled = embedded.mul(weights).sum(new int[] {1});                                           // [B, D]
        NDArray projected = pooled.matMul(parameters.get(side == Side.QUERY ? QUERY_PROJECTION : ARTICLE_PROJECTION));
        NDArray norm = projected.square().sum(new int[] {1}, true).add(1e-12f).sqrt();
        return projected.div(norm);
    }

    /** Normalised vectors for texts, without gradients; safe to call from several threads. */
    public float[][] encode(List<String> texts, Side side) {
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ids(texts.get(i), side);
        }
        float[][] out = new float[ids.length][];
        try (NDManager scope = manager.newSubManager()) {
            float[] flat = forward(ids, side, scope).toFloatArray();
            int d = config.dims();
            for (int i = 0; i < ids.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
        }
        return out;
    }

    public float[] encodeQuery(String question) {
        return encode(List.of(question), Side.QUERY)[0];
    }

    @Override
    public void close() {
        manager.close();
    }
}
