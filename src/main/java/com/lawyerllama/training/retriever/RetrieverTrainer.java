package com.lawyerllama.training.retriever;

import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.RetrieverData;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.lawyerllama.law.Article;
import com.lawyerllama.training.AdamW;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Contrastive training of the {@link DenseEncoder}. Each step's batch mixes labelled questions
 * (positive: one of their gold articles; negative: one of their lexical near misses) with
 * self-supervised inverse-cloze pairs from the corpus (a sentence of an article as the query, the
 * rest of the article as its positive). Every query is scored against every article in the
 * batch (in-batch negatives); the loss is the cross-entropy of the true article's score, with the
 * query's other gold articles masked out so they do not count as negatives. A step's batch
 * depends only on the seed and the step number, so a resumed run sees the same data.
 */
public final class RetrieverTrainer implements RetrieverTraining {

    /**
     * @param batchSize           queries per step
     * @param selfSupervisedShare share of a batch's queries that are inverse-cloze pairs from the corpus
     * @param hardNegatives       near-miss articles added per labelled query (0 or 1 are typical)
     * @param randomNegatives     articles drawn at random from the corpus added to each batch, so that
     *                            the whole corpus, not only the labelled articles, learns to keep its distance
     * @param unitDropout         share of a training text's units dropped at random (regularises: a
     *                            question is not recognised by one rare bigram)
     */
    public record Settings(int batchSize, double selfSupervisedShare, int hardNegatives, int randomNegatives,
                           double unitDropout, double temperature, long seed) {
    }

    /** One step's numbers; accuracy is the share of queries whose true article scored best in the batch. */
    public record StepResult(double loss, double accuracy, double gradNorm, int queries, int articles) {
    }

    static final Pattern SENTENCE_END = Pattern.compile("(?<=[。；！？\\n])");

    private final DenseEncoder encoder;
    private final RetrieverData data;
    private final Settings settings;
    private final List<Article> clozeSource;

    public RetrieverTrainer(DenseEncoder encoder, RetrieverData data, Settings settings) {
        this.encoder = encoder;
        this.data = data;
        this.settings = settings;
        this.clozeSource = data.corpus().stream().filter(a -> a.text().length() >= 20).toList();
    }

    /** A training batch: query texts, article texts, and for each query its target article and the articles to mask. */
    record Batch(List<String> queries, List<String> articles, int[] memory, int[] target, List<Set<Integer>> masked) {
    }

    Batch batch(int step) {
        Random random = new Random(settings.seed() * 1_000_003L + step);
        int selfSupervised = data.fit().isEmpty() ? settings.batchSize()
                : (int) Math.round(settings.batchSize() * settings.selfSupervisedShare());
        int labelled = settings.batchSize() - selfSupervised;
        List<String> queries = new ArrayList<>();
        List<String> articleTexts = new ArrayList<>();
        List<String> articleKeys = new ArrayList<>();
        List<Integer> memory = new ArrayList<>();
        List<Set<String>> positives = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<RetrieverData.Pair> chosen = new ArrayList<>();
        for (int i = 0; i < labelled; i++) {
            RetrieverData.Pair pair = data.fit().get(random.nextInt(data.fit().size()));
            chosen.add(pair);
            Article gold = pair.gold().get(random.nextInt(pair.gold().size()));
            queries.add(pair.query());
            Set<String> keys = new HashSet<>();
            pair.gold().forEach(g -> keys.add(key(g)));
            positives.add(keys);
            targets.add(articleTexts.size());
            articleTexts.add(encoder.articleText(gold));
            articleKeys.add(key(gold));
            memory.add(encoder.memoryRow(gold));
        }
        for (int i = 0; i < selfSupervised; i++) {
            Article a = clozeSource.get(random.nextInt(clozeSource.size()));
            String[] sentences = SENTENCE_END.split(a.text());
            String query;
            String rest;
            if (sentences.length >= 2) {
                int s = random.nextInt(sentences.length);
                query = sentences[s];
                StringBuilder others = new StringBuilder();
                for (int j = 0; j < sentences.length; j++) {
                    if (j != s || random.nextDouble() < 0.1) {
                        others.append(sentences[j]);
                    }
                }
                rest = others.toString();
            } else {
                int len = Math.max(6, a.text().length() / 3);
                int from = random.nextInt(Math.max(1, a.text().length() - len));
                query = a.text().substring(from, Math.min(a.text().length(), from + len));
                rest = a.text();
            }
            Article shown = new Article(a.id(), a.law(), a.lawTitle(), a.category(), a.version(), a.current(), a.path(),
                    a.number(), a.suffix(), rest, a.sourceFile(), a.line());
            queries.add(query);
            positives.add(Set.of(key(a)));
            targets.add(articleTexts.size());
            articleTexts.add(encoder.articleText(shown));
            articleKeys.add(key(a));
            memory.add(encoder.memoryRow(a));
        }
        // Hard negatives: near misses of the labelled queries (their gold is never among them).
        Random negRandom = new Random(settings.seed() * 7_368_787L + step);
        for (RetrieverData.Pair pair : chosen) {
            for (int n = 0; n < settings.hardNegatives() && !pair.nearMisses().isEmpty(); n++) {
                Article miss = pair.nearMisses().get(negRandom.nextInt(pair.nearMisses().size()));
                articleTexts.add(encoder.articleText(miss));
                articleKeys.add(key(miss));
                memory.add(encoder.memoryRow(miss));
            }
        }
        for (int i = 0; i < settings.randomNegatives(); i++) {
            Article other = data.corpus().get(negRandom.nextInt(data.corpus().size()));
            articleTexts.add(encoder.articleText(other));
            articleKeys.add(key(other));
            memory.add(encoder.memoryRow(other));
        }
        int[] target = targets.stream().mapToInt(Integer::intValue).toArray();
        return new Batch(queries, articleTexts, memory.stream().mapToInt(Integer::intValue).toArray(), target,
                masked(positives, articleKeys, target));
    }

    /** For each query, the batch articles other than its target that are also among its positives (not negatives). */
    private static List<Set<Integer>> masked(List<Set<String>> positives, List<String> articleKeys, int[] target) {
        List<Set<Integer>> masked = new ArrayList<>();
        for (int q = 0; q < positives.size(); q++) {
            Set<Integer> m = new HashSet<>();
            for (int d = 0; d < articleKeys.size(); d++) {
                if (d != target[q] && positives.get(q).contains(articleKeys.get(d))) {
                    m.add(d);
                }
            }
            masked.add(m);
        }
        return masked;
    }

    static String key(Article a) {
        return DenseEncoder.memoryKey(a);
    }

    /** The batch's loss [scalar] and the share of queries ranked right, under the current weights. */
    private NDArray[] lossAndAccuracy(Batch b, NDManager scope) {
        return lossAndAccuracy(b, null, scope);
    }

    /** As above; with {@code dropout} (training) each unit is dropped with probability {@code settings.unitDropout()}. */
    private NDArray[] lossAndAccuracy(Batch b, Random dropout, NDManager scope) {
        int[][] q = new int[b.queries().size()][];
        for (int i = 0; i < q.length; i++) {
            q[i] = drop(encoder.ids(b.queries().get(i), DenseEncoder.Side.QUERY), dropout);
        }
        int[][] d = new int[b.articles().size()][];
        for (int i = 0; i < d.length; i++) {
            d[i] = drop(encoder.ids(b.articles().get(i), DenseEncoder.Side.ARTICLE), dropout);
        }
        NDArray qv = encoder.forward(q, DenseEncoder.Side.QUERY, scope);          // [Q, D]
        NDArray dv = encoder.forward(d, DenseEncoder.Side.ARTICLE, b.memory(), scope);   // [N, D]
        float[] mask = new float[q.length * d.length];
        long[] targets = new long[q.length];
        for (int i = 0; i < q.length; i++) {
            targets[i] = b.target()[i];
            for (int m : b.masked().get(i)) {
                mask[i * d.length + m] = -1e4f;
            }
        }
        NDArray logits = qv.matMul(dv.transpose()).div((float) settings.temperature())
                .add(scope.create(mask, new Shape(q.length, d.length)));           // [Q, N]
        NDArray targetNd = scope.create(targets, new Shape(q.length, 1));
        NDArray logProbs = logits.logSoftmax(1);
        NDArray loss = logProbs.gather(targetNd, 1).mean().neg();
        NDArray correct = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT64, false)
                .eq(targetNd.squeeze(1)).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean();
        return new NDArray[] {loss, correct};
    }

    private int[] drop(int[] ids, Random random) {
        return random == null ? ids : dropUnits(ids, settings.unitDropout(), random);
    }

    /** {@code ids} with each unit dropped with probability {@code share}; short texts, and texts that would lose every unit, stay whole. */
    static int[] dropUnits(int[] ids, double share, Random random) {
        if (share <= 0 || ids.length < 4) {
            return ids;
        }
        int[] kept = new int[ids.length];
        int n = 0;
        for (int id : ids) {
            if (random.nextDouble() >= share) {
                kept[n++] = id;
            }
        }
        return n == 0 ? ids : java.util.Arrays.copyOf(kept, n);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return encoder.parameters();
    }

    private List<Article> validationPool;

    /** Recall@3 of the validation questions among {@link #validationPool} (drawn once) and their {@link #validationLoss}. */
    @Override
    public Validation validate() {
        if (validationPool == null) {
            validationPool = validationPool(data, settings.seed());
        }
        double recall = data.validation().isEmpty() ? Double.NaN
                : recallAtK(encoder, data.validation(), validationPool, embed(encoder, validationPool), 3)[0];
        return new Validation(validationLoss(encoder, data, settings.temperature()), recall, validationPool.size());
    }

    @Override
    public StepResult step(int step, AdamW optimizer, double lr, double weightDecay, double gradClip) {
        Map<String, NDArray> params = encoder.parameters();
        RetrieverTraining.recordGradients(params);
        Batch b = batch(step);
        try (NDManager scope = encoder.manager().newSubManager()) {
            double loss;
            double accuracy;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray[] la = lossAndAccuracy(b, new Random(settings.seed() * 31 + step), scope);
                collector.backward(la[0]);
                loss = la[0].getFloat();
                accuracy = la[1].getFloat();
            }
            double norm = RetrieverTraining.applyGradients(params, optimizer, lr, weightDecay, gradClip, scope);
            return new StepResult(loss, accuracy, norm, b.queries().size(), b.articles().size());
        }
    }

    /**
     * The articles validation ranks among: every labelled question's gold articles and 5,000 others
     * drawn from the corpus (a fixed draw), so a validation pass costs seconds, not a corpus embedding.
     */
    public static List<Article> validationPool(RetrieverData data, long seed) {
        Map<String, Article> pool = new LinkedHashMap<>();
        for (List<RetrieverData.Pair> pairs : List.of(data.fit(), data.validation())) {
            pairs.forEach(p -> p.gold().forEach(g -> pool.putIfAbsent(key(g), g)));
        }
        Random random = new Random(seed);
        for (int i = 0; i < 5000 && !data.corpus().isEmpty(); i++) {
            Article a = data.corpus().get(random.nextInt(data.corpus().size()));
            pool.putIfAbsent(key(a), a);
        }
        return new ArrayList<>(pool.values());
    }

    /** Contrastive loss of the validation questions (up to 256), each against its first gold article and the others' (no gradients). */
    public static double validationLoss(DenseEncoder encoder, RetrieverData data, double temperature) {
        List<RetrieverData.Pair> pairs = data.validation().subList(0, Math.min(256, data.validation().size()));
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        List<String> queries = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Set<String>> positives = new ArrayList<>();
        int[] memory = new int[pairs.size()];
        int[] target = new int[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            Article gold = pairs.get(i).gold().get(0);
            queries.add(pairs.get(i).query());
            texts.add(encoder.articleText(gold));
            keys.add(key(gold));
            positives.add(pairs.get(i).gold().stream().map(RetrieverTrainer::key).collect(java.util.stream.Collectors.toSet()));
            memory[i] = encoder.memoryRow(gold);
            target[i] = i;
        }
        RetrieverTrainer t = new RetrieverTrainer(encoder, data, new Settings(pairs.size(), 0, 0, 0, 0, temperature, 0));
        try (NDManager scope = encoder.manager().newSubManager()) {
            return t.lossAndAccuracy(new Batch(queries, texts, memory, target, masked(positives, keys, target)), scope)[0].getFloat();
        }
    }

    /**
     * Recall@k of questions against {@code pool} by brute force over {@code poolVectors} (see
     * {@link #embed}): the share of each question's gold articles in its top k, averaged over questions.
     */
    public static double[] recallAtK(DenseEncoder encoder, List<RetrieverData.Pair> questions, List<Article> pool,
                                     float[][] poolVectors, int... ks) {
        double[] sums = new double[ks.length];
        if (questions.isEmpty()) {
            java.util.Arrays.fill(sums, Double.NaN);
            return sums;
        }
        int maxK = java.util.Arrays.stream(ks).max().orElse(3);
        for (RetrieverData.Pair p : questions) {
            float[] q = encoder.encodeQuery(p.query());
            int[] top = topK(q, poolVectors, maxK);
            Set<String> gold = new HashSet<>();
            p.gold().forEach(g -> gold.add(key(g)));
            for (int i = 0; i < ks.length; i++) {
                long found = java.util.Arrays.stream(top).limit(ks[i]).filter(t -> gold.contains(key(pool.get(t)))).count();
                sums[i] += (double) found / gold.size();
            }
        }
        for (int i = 0; i < ks.length; i++) {
            sums[i] /= questions.size();
        }
        return sums;
    }

    /** Article vectors as the index stores them, 512 at a time. */
    public static float[][] embed(DenseEncoder encoder, List<Article> articles) {
        float[][] out = new float[articles.size()][];
        for (int from = 0; from < articles.size(); from += 512) {
            float[][] v = encoder.encodeArticles(articles.subList(from, Math.min(articles.size(), from + 512)));
            System.arraycopy(v, 0, out, from, v.length);
        }
        return out;
    }

    static int[] topK(float[] q, float[][] vectors, int k) {
        int[] best = new int[k];
        float[] scores = new float[k];
        java.util.Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(best, -1);
        for (int i = 0; i < vectors.length; i++) {
            float s = 0;
            float[] v = vectors[i];
            for (int j = 0; j < q.length; j++) {
                s += q[j] * v[j];
            }
            if (s > scores[k - 1]) {
                int pos = k - 1;
                while (pos > 0 && scores[pos - 1] < s) {
                    scores[pos] = scores[pos - 1];
                    best[pos] = best[pos - 1];
                    pos--;
                }
                scores[pos] = s;
                best[pos] = i;
            }
        }
        return java.util.Arrays.stream(best).filter(i -> i >= 0).toArray();
    }
}
