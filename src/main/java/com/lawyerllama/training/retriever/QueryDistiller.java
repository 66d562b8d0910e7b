package com.lawyerllama.training.retriever;

import com.lawyerllama.retrieval.dense.BertEncoder;
import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.QueryStudent;
import com.lawyerllama.retrieval.dense.RetrieverData;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.lawyerllama.law.Article;
import com.lawyerllama.llama.AtomicFiles;
import com.lawyerllama.training.AdamW;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Distils a retriever model's pretrained encoder (BERT) into a {@link QueryStudent} for its
 * question side. Every training text (legal questions and statute sentences) is encoded once by the
 * pretrained encoder as a question; the student learns to give the same vector from the text's
 * character units alone, by the cosine between the two. Articles are untouched: the model keeps its
 * article vectors and the index needs no new pass, while a question costs an n-gram lookup instead
 * of a BERT pass. The n-gram half of the model is frozen too.
 *
 * <p>A step's batch depends only on the seed and the step number, so a resumed run sees the same
 * data. The pretrained encoder's vectors (minutes of BERT on a CPU) are kept in a file that a
 * resumed run reads instead of computing them again, when it holds them for the same texts and the
 * same encoder.
 */
public final class QueryDistiller implements RetrieverTraining {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(QueryDistiller.class);
    private static final byte[] CACHE_MAGIC = "LLTEACH1".getBytes(StandardCharsets.US_ASCII);
    private static final int CACHE_HEADER = CACHE_MAGIC.length + 32 + 8;

    /**
     * @param batchSize    texts per step
     * @param studentDims  width of the student's unit embeddings (used when the model has no student yet)
     * @param unitDropout  share of a training text's units dropped at random
     * @param poolArticles random corpus articles that validation ranks the validation questions' gold articles among
     * @param seed         draws the student's first weights, the batches and the validation pool
     */
    public record Settings(int batchSize, int studentDims, double unitDropout, int poolArticles, long seed) {
    }

    private final DenseEncoder encoder;
    private final QueryStudent student;
    private final RetrieverData data;
    private final Settings settings;
    private final int[][] ids;
    private final float[][] targets;
    private final boolean targetsReused;
    private float[][] validationTargets;
    private List<Article> pool;
    private float[][] poolVectors;

    /**
     * Encodes {@code texts} with the model's pretrained encoder (reporting how many are done to
     * {@code progress}, which may throw to stop) and gives the model a student if it has none.
     * {@code cache}, when not null, is the file those vectors are read from when it holds them (for
     * these texts and this encoder) and written to when it does not.
     */
    public QueryDistiller(DenseEncoder encoder, List<String> texts, RetrieverData data, Settings settings, Path cache,
                          IntConsumer progress) {
        BertEncoder teacher = encoder.pretrained().orElseThrow(() -> new IllegalStateException(
                "distilling a question encoder needs a retriever model with a pretrained encoder"));
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to distil the question encoder on");
        }
        this.encoder = encoder;
        this.data = data;
        this.settings = settings;
        this.ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encoder.ids(texts.get(i), DenseEncoder.Side.QUERY);
        }
        byte[] key = cache == null ? null : cacheKey(teacher, texts);
        float[][] cached = cache == null ? null : readCache(cache, key, texts.size(), teacher.dims());
        this.targetsReused = cached != null;
        if (cached != null) {
            this.targets = cached;
            progress.accept(texts.size());
        } else {
            this.targets = teacherVectors(teacher, texts, progress);
            if (cache != null) {
                writeCache(cache, key, targets);
            }
        }
        this.student = encoder.queryStudent().orElseGet(() -> {
            QueryStudent fresh = QueryStudent.random(encoder.config().vocabSize(), settings.studentDims(), teacher.dims(),
                    settings.seed(), encoder.manager());
            encoder.attachQueryStudent(fresh);
            return fresh;
        });
    }

    private static float[][] teacherVectors(BertEncoder teacher, List<String> texts, IntConsumer progress) {
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += 64) {
            float[][] v = teacher.encode(texts.subList(from, Math.min(texts.size(), from + 64)), DenseEncoder.Side.QUERY);
            System.arraycopy(v, 0, out, from, v.length);
            progress.accept(from + v.length);
        }
        return out;
    }

    /** Whether the pretrained encoder's vectors were read from the cache file rather than computed. */
    public boolean teacherVectorsReused() {
        return targetsReused;
    }

    /** A digest of what the cached vectors depend on: the encoder's weights, how it reads a question, and the texts. */
    static byte[] cacheKey(BertEncoder teacher, List<String> texts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((teacher.source() + "\0" + teacher.config() + "\0").getBytes(StandardCharsets.UTF_8));
            for (String t : texts) {
                sha.update(t.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The vectors in {@code file} when it holds {@code count} of {@code dims} under {@code key}; null otherwise (absent, stale or damaged). */
    static float[][] readCache(Path file, byte[] key, int count, int dims) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[CACHE_MAGIC.length];
            byte[] stored = new byte[32];
            if (b.remaining() < CACHE_HEADER) {
                return stale(file, "too short");
            }
            b.get(magic).get(stored);
            if (!Arrays.equals(magic, CACHE_MAGIC) || !Arrays.equals(stored, key) || b.getInt() != count || b.getInt() != dims) {
                return stale(file, "made for other texts or another encoder");
            }
            if (b.remaining() != (long) count * dims * Float.BYTES) {
                return stale(file, "truncated");
            }
            float[][] out = new float[count][dims];
            var floats = b.asFloatBuffer();
            for (float[] row : out) {
                floats.get(row);
            }
            return out;
        } catch (IOException e) {
            return stale(file, e.toString());
        }
    }

    private static float[][] stale(Path file, String why) {
        log.info("Not reusing the teacher vectors in {} ({}): computing them again", file, why);
        return null;
    }

    /** Stores the vectors atomically; a failure costs only their recomputation on a resume, so it is logged, not thrown. */
    static void writeCache(Path file, byte[] key, float[][] vectors) {
        int dims = vectors.length == 0 ? 0 : vectors[0].length;
        ByteBuffer b = ByteBuffer.allocate(CACHE_HEADER + vectors.length * dims * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(CACHE_MAGIC).put(key).putInt(vectors.length).putInt(dims);
        var floats = b.asFloatBuffer();
        for (float[] row : vectors) {
            floats.put(row);
        }
        b.position(0);
        try {
            AtomicFiles.write(file, b);
        } catch (IOException e) {
            log.warn("Could not keep the teacher vectors in {}: a resumed run will compute them again ({})", file, e.toString());
        }
    }

    /**
     * What the student learns from: {@code questions}, plus single sentences of random statute
     * articles (at least 8 characters) so that {@code sentenceShare} of the whole are statute
     * language; drawn with {@code seed}.
     */
    public static List<String> trainingTexts(List<String> questions, List<Article> corpus, double sentenceShare, long seed) {
        List<String> texts = new ArrayList<>(questions);
        if (sentenceShare <= 0 || corpus.isEmpty()) {
            return texts;
        }
        long wanted = Math.round(questions.size() * sentenceShare / (1 - sentenceShare));
        Random random = new Random(seed);
        for (int attempts = 0; texts.size() - questions.size() < wanted && attempts < wanted * 20; attempts++) {
            Article a = corpus.get(random.nextInt(corpus.size()));
            String[] sentences = RetrieverTrainer.SENTENCE_END.split(a.text());
            String s = sentences[random.nextInt(sentences.length)].strip();
            if (s.length() >= 8) {
                texts.add(s);
            }
        }
        return texts;
    }

    /** How many texts the student learns from. */
    public int texts() {
        return ids.length;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return student.parameters();
    }

    @Override
    public RetrieverTrainer.StepResult step(int step, AdamW optimizer, double lr, double weightDecay, double gradClip) {
        Map<String, NDArray> params = student.parameters();
        RetrieverTraining.recordGradients(params);
        Random random = new Random(settings.seed() * 1_000_003L + step);
        int b = Math.min(settings.batchSize(), ids.length);
        int[][] batch = new int[b][];
        int dims = targets[0].length;
        float[] target = new float[b * dims];
        for (int i = 0; i < b; i++) {
            int k = random.nextInt(ids.length);
            batch[i] = RetrieverTrainer.dropUnits(ids[k], settings.unitDropout(), random);
            System.arraycopy(targets[k], 0, target, i * dims, dims);
        }
        try (NDManager scope = encoder.manager().newSubManager()) {
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray l = cosineLoss(student.forward(batch, scope), scope.create(target, new Shape(b, dims)));
                collector.backward(l);
                loss = l.getFloat();
            }
            double norm = RetrieverTraining.applyGradients(params, optimizer, lr, weightDecay, gradClip, scope);
            return new RetrieverTrainer.StepResult(loss, Double.NaN, norm, b, 0);
        }
    }

    /** 1 minus the mean cosine of unit-length rows. */
    private static NDArray cosineLoss(NDArray student, NDArray teacher) {
        return student.mul(teacher).sum(new int[] {1}).mean().neg().add(1f);
    }


    /**
     * The validation questions' loss (1 minus the mean cosine between the student's and the
     * pretrained encoder's vectors) and their recall@3 with the whole model (n-gram half and
     * student) among their gold articles and {@code poolArticles} random ones, whose vectors, being
     * frozen, are computed once.
     */
    @Override
    public Validation validate() {
        List<RetrieverData.Pair> questions = data.validation();
        if (questions.isEmpty()) {
            return new Validation(Double.NaN, Double.NaN, 0);
        }
        if (pool == null) {
            List<String> texts = questions.stream().map(RetrieverData.Pair::query).toList();
            validationTargets = teacherVectors(encoder.pretrained().orElseThrow(), texts, done -> { });
            Map<String, Article> drawn = new LinkedHashMap<>();
            questions.forEach(p -> p.gold().forEach(g -> drawn.putIfAbsent(RetrieverTrainer.key(g), g)));
            Random random = new Random(settings.seed());
            for (int i = 0; i < settings.poolArticles() && !data.corpus().isEmpty(); i++) {
                Article a = data.corpus().get(random.nextInt(data.corpus().size()));
                drawn.putIfAbsent(RetrieverTrainer.key(a), a);
            }
            pool = new ArrayList<>(drawn.values());
            poolVectors = RetrieverTrainer.embed(encoder, pool);
        }
        int[][] q = new int[questions.size()][];
        for (int i = 0; i < q.length; i++) {
            q[i] = encoder.ids(questions.get(i).query(), DenseEncoder.Side.QUERY);
        }
        int dims = validationTargets[0].length;
        float[] target = new float[q.length * dims];
        for (int i = 0; i < q.length; i++) {
            System.arraycopy(validationTargets[i], 0, target, i * dims, dims);
        }
        double loss;
        try (NDManager scope = encoder.manager().newSubManager()) {
            loss = cosineLoss(student.forward(q, scope), scope.create(target, new Shape(q.length, dims))).getFloat();
        }
        double recall = RetrieverTrainer.recallAtK(encoder, questions, pool, poolVectors, 3)[0];
        return new Validation(loss, recall, pool.size());
    }
}
