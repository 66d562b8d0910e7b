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
 * <p>A model may also carry a pretrained BERT encoder ({@link BertEncoder#BUNDLED}, frozen): a text's
 * vector is then its n-gram vector and its BERT vector side by side. An article's halves are equal;
 * a question's are scaled by {@code 1 - w} and {@code w}, so the dot product of the two is
 * proportional to {@code (1 - w) · n-gram cosine + w · BERT cosine} and one kNN search ranks by the
 * weighted sum of both models' scores. {@code w} is the model's {@code pretrainedWeight} unless a
 * search asks for another: the stored vectors do not depend on it.
 *
 * <p>Such a model may further carry a {@link QueryStudent} distilled from its BERT part: questions
 * then get their BERT half from the student (an n-gram lookup) instead of a BERT pass, while
 * articles are still read by BERT. Its id changes; its {@link #vectorId} stays the id of the model
 * it was distilled in, so the index's vectors serve both.
 *
 * <p>A model directory holds {@code config.json} (shape and id), {@code vocab.txt} and
 * {@code model.safetensors}; the BERT part, being frozen, is named in {@code config.json} and read
 * from the classpath, not copied. The id is a digest of the weights (the BERT part's included):
 * vectors stored in the index carry it, so vectors from another model are never compared with this
 * one's questions.
 */
public final class DenseEncoder implements AutoCloseable {

    public enum Side { QUERY, ARTICLE }

    /** The model's shape and identity, as in {@code config.json}. */
    public record Config(String type, int dims, int vocabSize, int maxQueryUnits, int maxArticleUnits,
                         int maxArticleChars, double temperature, int memoryArticles, String id,
                         String pretrained, double pretrainedWeight, int queryStudentDims, String vectorId) {

        Config withIds(String newId, String newVectorId) {
            return new Config(type, dims, vocabSize, maxQueryUnits, maxArticleUnits, maxArticleChars, temperature,
                    memoryArticles, newId, pretrained, pretrainedWeight, queryStudentDims, newVectorId);
        }

        Config withPretrained(String name, double weight) {
            return new Config(type, dims, vocabSize, maxQueryUnits, maxArticleUnits, maxArticleChars, temperature,
                    memoryArticles, id, name, weight, queryStudentDims, vectorId);
        }

        Config withQueryStudent(int studentDims) {
            return new Config(type, dims, vocabSize, maxQueryUnits, maxArticleUnits, maxArticleChars, temperature,
                    memoryArticles, id, pretrained, pretrainedWeight, studentDims, vectorId);
        }
    }

    public static final String TYPE = "ngram-salience-pool";
    /** Characters of an article (law, path, text) a new model reads. */
    public static final int MAX_ARTICLE_CHARS = 600;
    /** Reads configs of models written before a field existed: a missing weight is 0 (no pretrained part). */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();
    static final String EMBEDDINGS = "embeddings";
    static final String SALIENCE = "salience";
    static final String QUERY_PROJECTION = "query_projection";
    static final String ARTICLE_PROJECTION = "article_projection";
    static final String ARTICLE_MEMORY = "article_memory";
    /** File name inside a model directory: the articles that have a memory row, one key (law#number-suffix) per line. */
    public static final String MEMORY_FILE = "memory_articles.txt";

    private final NDManager manager;
    private final NgramVocabulary vocabulary;
    private final Map<String, NDArray> parameters;
    private final List<String> memoryKeys;
    private final Map<String, Integer> memoryRows = new java.util.HashMap<>();
    private Config config;
    private BertEncoder bert;
    /** Encodes questions for the pretrained part in its place, when the model has one ({@link #attachQueryStudent}). */
    private QueryStudent student;

    private DenseEncoder(NDManager manager, NgramVocabulary vocabulary, Map<String, NDArray> parameters, List<String> memoryKeys,
                         Config config) {
        this.manager = manager;
        this.vocabulary = vocabulary;
        this.parameters = parameters;
        this.memoryKeys = List.copyOf(memoryKeys);
        for (int i = 0; i < memoryKeys.size(); i++) {
            memoryRows.put(memoryKeys.get(i), i);
        }
        this.config = config;
    }

    /** The key an article's memory row is stored under: law, number and suffix (any version). */
    public static String memoryKey(Article a) {
        return a.law() + "#" + a.number() + "-" + a.suffix();
    }

    /** A fresh model without article memory. */
    public static DenseEncoder random(NgramVocabulary vocabulary, int dims, long seed, NDManager parent) {
        return random(vocabulary, dims, List.of(), seed, parent);
    }

    /**
     * A fresh model: small random embeddings, zero salience, identity projections, and a zero
     * memory row for each of {@code memoryArticles} ({@link #memoryKey}s): the articles that
     * labelled questions point at, whose vectors may then move beyond what their text alone says.
     */
    public static DenseEncoder random(NgramVocabulary vocabulary, int dims, List<String> memoryArticles, long seed, NDManager parent) {
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
        p.put(ARTICLE_MEMORY, manager.zeros(new Shape(memoryArticles.size() + 1, dims)));
        Config config = new Config(TYPE, dims, vocabulary.size(), 256, 384, MAX_ARTICLE_CHARS, 0.05, memoryArticles.size(), "untrained",
                null, 0, 0, null);
        return new DenseEncoder(manager, vocabulary, p, memoryArticles, config);
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
        Path memoryFile = dir.resolve(MEMORY_FILE);
        List<String> memory = Files.isRegularFile(memoryFile) ? Files.readAllLines(memoryFile) : List.of();
        if (memory.size() != config.memoryArticles()) {
            throw new IOException("retriever model " + dir + ": " + MEMORY_FILE + " lists " + memory.size()
                    + " articles, config.json says " + config.memoryArticles());
        }
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
            p.put(ARTICLE_MEMORY, reader.load(manager, ARTICLE_MEMORY, new Shape(memory.size() + 1, d), DataType.FLOAT32));
            DenseEncoder encoder = new DenseEncoder(manager, vocabulary, p, memory, config);
            if (config.pretrainedWeight() > 0) {
                if (config.pretrained() == null) {
                    throw new IOException("retriever model " + dir + " gives a pretrained encoder weight "
                            + config.pretrainedWeight() + " but names no pretrained encoder");
                }
                encoder.bert = BertEncoder.bundled(config.pretrained(), manager);
            }
            if (config.queryStudentDims() > 0) {
                Path file = dir.resolve(QueryStudent.FILE);
                if (encoder.bert == null) {
                    throw new IOException("retriever model " + dir + " has a distilled question encoder but no pretrained encoder");
                }
                if (!Files.isRegularFile(file)) {
                    throw new IOException("retriever model " + dir + " has a distilled question encoder but no " + QueryStudent.FILE);
                }
                encoder.student = QueryStudent.load(file, config.vocabSize(), config.queryStudentDims(), encoder.bert.dims(), manager);
            }
            return encoder;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Adds a pretrained encoder (frozen: training moves only the n-gram part) whose cosine
     * similarity counts {@code weight} (between 0 and 1) of a question's score unless a search
     * asks for another; {@code name} is recorded.
     */
    public void attachPretrained(String name, BertEncoder encoder, double weight) {
        requireWeight(weight);
        this.bert = encoder;
        this.config = config.withPretrained(name, weight);
    }

    private static void requireWeight(double weight) {
        if (!(weight > 0 && weight < 1)) {
            throw new IllegalArgumentException("the pretrained encoder's weight must be between 0 and 1, not " + weight);
        }
    }

    /** The pretrained BERT part, if the model has one (with a distilled question encoder, it reads articles only). */
    public java.util.Optional<BertEncoder> pretrained() {
        return java.util.Optional.ofNullable(bert);
    }

    /**
     * From now on questions get their pretrained half from {@code questions}, trained to imitate the
     * pretrained encoder, instead of a BERT pass; articles are read as before, so their stored
     * vectors stay valid ({@link #vectorId}). The model takes ownership of it.
     */
    public void attachQueryStudent(QueryStudent questions) {
        if (bert == null) {
            throw new IllegalStateException("a distilled question encoder needs a model with a pretrained encoder");
        }
        if (student != null && student != questions) {
            student.close();
        }
        if (config.vectorId() == null && !"untrained".equals(config.id())) {
            // the index's vectors carry the id this model was saved under (ids written by earlier versions included)
            config = config.withIds(config.id(), config.id());
        }
        this.student = questions;
        this.config = config.withQueryStudent(questions.dims());
    }

    /** The distilled question encoder, if the model has one. */
    public java.util.Optional<QueryStudent> queryStudent() {
        return java.util.Optional.ofNullable(student);
    }

    /** Writes the model to {@code dir} atomically, weights as {@code dtype}; its id becomes the digest of the weight file. */
    public void save(Path dir, SafetensorsReader.DType dtype) throws IOException {
        Checkpoints.writeAtomically(dir, tmp -> writeTo(tmp, dtype));
    }

    /**
     * Writes config.json, vocab.txt, the memory list and the weights into {@code dir} (an empty
     * directory that the caller swaps in atomically; a training checkpoint adds its own files).
     */
    public void writeTo(Path dir, SafetensorsReader.DType dtype) throws IOException {
        SafetensorsWriter.write(dir, parameters, dtype, 0);
        vocabulary.save(dir);
        Files.write(dir.resolve(MEMORY_FILE), memoryKeys);
        String id = digest(dir.resolve(SafetensorsReader.SINGLE_FILE));
        if (bert != null) {
            BertEncoder.Config b = bert.config();    // how it reads texts changes the vectors as much as its weights do
            id = digest(id + " " + config.pretrained() + " " + bert.source() + " " + b.maxQueryTokens() + " "
                    + b.maxArticleTokens() + " " + b.queryPrefix());
        }
        String vectorId = null;
        if (student != null) {
            // Only the question side differs from the model it was distilled in: articles keep its vectors.
            student.save(dir.resolve(QueryStudent.FILE), dtype);
            vectorId = config.vectorId() != null ? config.vectorId() : id;
            id = digest(vectorId + " student " + digest(dir.resolve(QueryStudent.FILE)));
        }
        config = config.withIds(id, vectorId);
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    private static String digest(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256())) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 16);
        }
    }

    private static String digest(String text) {
        return digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The first 16 hex digits of the SHA-256 of {@code bytes}: the form model ids take. */
    static String digest(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes)).substring(0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
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

    /**
     * The id that article vectors computed by this model carry in the index: the model's id, or for
     * a model with a distilled question encoder, the id of the model it was distilled in (articles
     * read the same, so their vectors are shared and need no new embedding pass).
     */
    public String vectorId() {
        return config.vectorId() != null ? config.vectorId() : config.id();
    }

    /** Dimensions of the vectors the model stores and searches (the n-gram part's plus the BERT part's). */
    public int dims() {
        return config.dims() + (bert == null ? 0 : bert.dims());
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
        return articleText(article, config.maxArticleChars());
    }

    /** {@link #articleText(Article)} for a model that reads at most {@code maxChars} characters of an article. */
    public static String articleText(Article article, int maxChars) {
        String text = article.law() + " " + String.join(" ", article.path()) + " " + article.text();
        return text.length() > maxChars ? text.substring(0, maxChars) : text;
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

    /** The memory row of an article, or -1 when it has none. */
    public int memoryRow(Article article) {
        return memoryRows.getOrDefault(memoryKey(article), -1);
    }

    /** Normalised vectors [B, D] for already-encoded texts; differentiable when gradients are being recorded. */
    public NDArray forward(int[][] ids, Side side, NDManager scope) {
        return forward(ids, side, null, scope);
    }

    /**
     * As {@link #forward(int[][], Side, NDManager)}, adding each article's memory row before
     * normalising ({@code memory[i]} is -1 for an article without one; null for none at all).
     */
    public NDArray forward(int[][] ids, Side side, int[] memory, NDManager scope) {
        int b = ids.length;
        NDArray pooled = pool(ids, parameters.get(EMBEDDINGS), parameters.get(SALIENCE), scope);            // [B, D]
        NDArray projected = pooled.matMul(parameters.get(side == Side.QUERY ? QUERY_PROJECTION : ARTICLE_PROJECTION));
        if (memory != null && side == Side.ARTICLE) {
            long[] rows = new long[b];
            int none = memoryKeys.size();    // the last row stays zero: it is never anybody's
            for (int i = 0; i < b; i++) {
                rows[i] = memory[i] < 0 ? none : memory[i];
            }
            NDArray rowIndex = scope.create(rows, new Shape(b));
            projected = projected.add(rowIndex.getNDArrayInternal()
                    .embedding(rowIndex, parameters.get(ARTICLE_MEMORY), SparseFormat.DENSE).singletonOrThrow());
        }
        return unitRows(projected);
    }

    /** {@code x} [B, D] with each row scaled to unit length (a zero row stays zero). */
    static NDArray unitRows(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
    }

    /** The rows of a [B, D] array as Java arrays. */
    static float[][] rows(NDArray matrix) {
        int b = Math.toIntExact(matrix.getShape().get(0));
        int d = Math.toIntExact(matrix.getShape().get(1));
        float[] flat = matrix.toFloatArray();
        float[][] out = new float[b][];
        for (int i = 0; i < b; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }

    /**
     * Each text's unit embeddings ([V, D]) averaged with weights from a softmax over its units'
     * salience ([V, 1]): [B, D].
     */
    static NDArray pool(int[][] ids, NDArray embeddings, NDArray salience, NDManager scope) {
        Padded padded = Padded.of(ids, 1f, 0f);
        Shape shape = new Shape(ids.length, padded.length());
        NDArray index = scope.create(padded.ids(), shape);
        NDArray maskNd = scope.create(padded.mask(), shape.add(1));
        NDArray embedded = index.getNDArrayInternal().embedding(index, embeddings, SparseFormat.DENSE).singletonOrThrow();   // [B, L, D]
        NDArray weights = index.getNDArrayInternal().embedding(index, salience, SparseFormat.DENSE).singletonOrThrow()      // [B, L, 1]
                .add(maskNd.sub(1f).mul(1e4f)).softmax(1);
        return embedded.mul(weights).sum(new int[] {1});
    }

    /**
     * Texts of unequal length as one [B, L] batch: {@code ids} row-major with 0 after each text's
     * end, and {@code mask} {@code present} where a text has a unit, {@code absent} where it is padding.
     */
    record Padded(long[] ids, float[] mask, int length) {
        static Padded of(int[][] rows, float present, float absent) {
            int l = 1;
            for (int[] row : rows) {
                l = Math.max(l, row.length);
            }
            long[] flat = new long[rows.length * l];
            float[] mask = new float[rows.length * l];
            java.util.Arrays.fill(mask, absent);
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < rows[i].length; j++) {
                    flat[i * l + j] = rows[i][j];
                    mask[i * l + j] = present;
                }
            }
            return new Padded(flat, mask, l);
        }
    }

    /** Normalised vectors for texts, without gradients; safe to call from several threads. */
    public float[][] encode(List<String> texts, Side side) {
        return encode(texts, side, config.pretrainedWeight());
    }

    private float[][] encode(List<String> texts, Side side, double pretrainedWeight) {
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ids(texts.get(i), side);
        }
        return withPretrained(toRows(ids, side, null), ids, texts, side, pretrainedWeight);
    }

    /** Normalised vectors of statute articles as they are stored in the index (text and memory row). */
    public float[][] encodeArticles(List<Article> articles) {
        int[][] ids = new int[articles.size()][];
        int[] memory = new int[articles.size()];
        List<String> texts = new java.util.ArrayList<>(articles.size());
        for (int i = 0; i < ids.length; i++) {
            texts.add(articleText(articles.get(i)));
            ids[i] = ids(texts.get(i), Side.ARTICLE);
            memory[i] = memoryRow(articles.get(i));
        }
        return withPretrained(toRows(ids, Side.ARTICLE, memory), ids, texts, Side.ARTICLE, config.pretrainedWeight());
    }

    /**
     * The n-gram vectors as they are without a BERT part; with one, each row side by side with the
     * text's BERT vector, an article's halves equal and a question's scaled by {@code 1 - weight}
     * and {@code weight}, normalised again (an n-gram vector that is zero, a text without a known
     * unit, leaves the BERT vector alone). A question's BERT vector comes from the distilled question
     * encoder when the model has one, which reads the same unit {@code ids}.
     */
    private float[][] withPretrained(float[][] ngram, int[][] ids, List<String> texts, Side side, double weight) {
        if (bert == null) {
            return ngram;
        }
        float[][] semantic = side == Side.QUERY && student != null ? student.encode(ids) : bert.encode(texts, side);
        float a = side == Side.ARTICLE ? 1f : (float) (1 - weight);
        float b = side == Side.ARTICLE ? 1f : (float) weight;
        float[][] out = new float[ngram.length][];
        for (int i = 0; i < out.length; i++) {
            float[] row = new float[ngram[i].length + semantic[i].length];
            double sum = 0;
            for (int j = 0; j < ngram[i].length; j++) {
                row[j] = a * ngram[i][j];
                sum += row[j] * row[j];
            }
            for (int j = 0; j < semantic[i].length; j++) {
                row[ngram[i].length + j] = b * semantic[i][j];
                sum += row[ngram[i].length + j] * row[ngram[i].length + j];
            }
            float inv = (float) (1 / Math.sqrt(Math.max(sum, 1e-24)));
            for (int j = 0; j < row.length; j++) {
                row[j] *= inv;
            }
            out[i] = row;
        }
        return out;
    }

    private float[][] toRows(int[][] ids, Side side, int[] memory) {
        try (NDManager scope = manager.newSubManager()) {
            return rows(forward(ids, side, memory, scope));
        }
    }

    public float[] encodeQuery(String question) {
        return encode(List.of(question), Side.QUERY)[0];
    }

    /** A question's vector with the pretrained part weighted {@code pretrainedWeight} (in (0, 1)) instead of the model's weight. */
    public float[] encodeQuery(String question, double pretrainedWeight) {
        if (bert == null) {
            return encodeQuery(question);
        }
        requireWeight(pretrainedWeight);
        return encode(List.of(question), Side.QUERY, pretrainedWeight)[0];
    }

    @Override
    public void close() {
        if (student != null) {
            student.close();
        }
        manager.close();
    }
}
