package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.LabelledQuestions;
import com.lawyerllama.law.LawArea;
import com.lawyerllama.law.LabelledQuestions.LabelledQuestion;
import com.lawyerllama.retrieval.dense.DenseSearch;
import com.lawyerllama.retrieval.dense.DenseTimings;
import com.lawyerllama.retrieval.dense.RetrieverData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import com.lawyerllama.system.Percentiles;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Measures a retriever on a labelled set (Lawyer LLaMA {query, laws} files, LawBench 3-2):
 * macro recall@k (the share of a question's gold articles in its top k, averaged over
 * questions), hit@3, MRR, latency, and how many gold references could not be resolved.
 * Articles are compared by law and number, so a gold label quoting an older version still counts.
 */
@Component
public class RetrievalEvaluation {
    /**
     * DEV: the held-out fifth; TRAIN: the rest; VALIDATION: the train-split questions the
     * retriever model holds out from its training (for choosing settings such as the fusion
     * weights without looking at dev); ALL: every question.
     */
    public enum Split { DEV, TRAIN, VALIDATION, ALL }

    /**
     * @param densePath where the dense searches' time went (question encoding, the kNN request,
     *                  Elasticsearch's own time); null in BM25 mode
     * @param byArea    recall per area of law ({@link LawArea}), a question counting in the area most of
     *                  its gold articles belong to
     */
    public record Result(String set, String split, String mode, int questions, int goldReferences, int unresolvedGold,
                         Map<Integer, Double> recallAtK, double hitAt3, double mrr,
                         double latencyP50Ms, double latencyP99Ms, DenseTimings.Summary densePath, List<AreaResult> byArea) {
    }

    /**
     * Recall of one mode over the questions of one area of law ({@link LawArea#label()}).
     *
     * @param questions the questions counted in this area
     */
    public record AreaResult(String area, String mode, int questions, Map<Integer, Double> recallAtK) {

        /**
         * The default-mode rule (docs/retrieval-areas.md): the areas where {@code mode}'s recall@k is below
         * {@code reference}'s (BM25's) over the same questions. A mode may be the default only when this is
         * empty on the all-law validation collection; areas evaluated in only one of the two are left out.
         */
        public static List<String> areasBelow(List<AreaResult> areas, String mode, String reference, int k) {
            List<String> below = new ArrayList<>();
            for (AreaResult candidate : areas) {
                if (!candidate.mode().equals(mode) || !candidate.recallAtK().containsKey(k)) {
                    continue;
                }
                areas.stream().filter(r -> r.mode().equals(reference) && r.area().equals(candidate.area())
                                && r.recallAtK().containsKey(k))
                        .findFirst()
                        .filter(r -> candidate.recallAtK().get(k) < r.recallAtK().get(k))
                        .ifPresent(r -> below.add(candidate.area()));
            }
            return below;
        }

        /**
         * Per area and mode, the results of several sets together (recall weighted by their questions),
         * in {@link LawArea}'s order.
         */
        public static List<AreaResult> combine(List<Result> results) {
            Map<String, Map<String, double[]>> sums = new LinkedHashMap<>();   // area → mode → [n, Σ recall@k …]
            Map<String, List<Integer>> ks = new LinkedHashMap<>();
            for (LawArea area : LawArea.values()) {
                sums.put(area.label(), new LinkedHashMap<>());
            }
            for (Result result : results) {
                for (AreaResult a : result.byArea()) {
                    List<Integer> cutoffs = List.copyOf(a.recallAtK().keySet());
                    ks.put(a.area(), cutoffs);
                    double[] s = sums.get(a.area()).computeIfAbsent(a.mode(), m -> new double[1 + cutoffs.size()]);
                    s[0] += a.questions();
                    for (int i = 0; i < cutoffs.size(); i++) {
                        s[1 + i] += a.recallAtK().get(cutoffs.get(i)) * a.questions();
                    }
                }
            }
            List<AreaResult> combined = new ArrayList<>();
            sums.forEach((area, byMode) -> byMode.forEach((mode, s) -> {
                Map<Integer, Double> recall = new LinkedHashMap<>();
                List<Integer> cutoffs = ks.get(area);
                for (int i = 0; i < cutoffs.size(); i++) {
                    recall.put(cutoffs.get(i), s[1 + i] / s[0]);
                }
                combined.add(new AreaResult(area, mode, (int) s[0], recall));
            }));
            return combined;
        }
    }

    /**
     * One question's outcome, for looking at what a retriever gets wrong: its gold articles (those
     * that resolve) and what came back, best first, as citations ({@code 《民法典》第一千零七十九条}).
     *
     * @param index     the question's position in its set (0-based)
     * @param area      the question's area of law ({@link LawArea#label()})
     * @param scores    each retrieved article's score (BM25: prior-weighted BM25; dense: cosine similarity; fused:
     *                  the share of the best possible fused score; a cited article: {@link Double#MAX_VALUE})
     * @param foundAt3  how many of the gold articles are among the first three retrieved
     */
    public record QuestionOutcome(String set, String split, String mode, int index, String question, String area, List<String> gold,
                                  List<String> retrieved, List<String> sources, List<Double> scores, int foundAt3,
                                  double latencyMs, String searched) {
    }

    private final ElasticsearchArticleRetriever retriever;
    private final ArticleResolver articles;
    private final DenseSearch dense;
    private final RetrievalProperties properties;
    /** What a question becomes before it is searched (model-assisted queries); identity by default. */
    private final UnaryOperator<String> queries;
    /** Added to the mode's label when {@link #queries} change the questions ("rewrite": bm25+rewrite). */
    private final String variant;

    @Autowired
    public RetrievalEvaluation(ElasticsearchArticleRetriever retriever, ArticleResolver articles, DenseSearch dense,
                               RetrievalProperties properties) {
        this(retriever, articles, dense, properties, UnaryOperator.identity(), "");
    }

    private RetrievalEvaluation(ElasticsearchArticleRetriever retriever, ArticleResolver articles, DenseSearch dense,
                                RetrievalProperties properties, UnaryOperator<String> queries, String variant) {
        this.retriever = retriever;
        this.articles = articles;
        this.dense = dense;
        this.properties = properties;
        this.queries = queries;
        this.variant = variant;
    }

    /**
     * This evaluation with each question turned into its search query by {@code queries} (timed with the
     * search, as a user waits for both), its results labelled {@code MODE+variant}. Warm-up searches
     * stay plain.
     */
    public RetrievalEvaluation withQueries(UnaryOperator<String> queries, String variant) {
        return new RetrievalEvaluation(retriever, articles, dense, properties, queries, variant);
    }

    private String label(RetrievalProperties.Mode mode) {
        return variant.isEmpty() ? mode.label() : mode.label() + "+" + variant;
    }

    /**
     * The mode retrieval answers in now with the configured {@code lawyer.retrieval.mode} (BM25 while
     * dense retrieval cannot answer): what an evaluation that names no mode measures.
     */
    public RetrievalProperties.Mode configuredMode() {
        return dense.effectiveMode(properties.mode());
    }

    /**
     * Evaluates the retriever in {@code mode} on a labelled set.
     *
     * @throws IllegalStateException when {@code mode} needs dense retrieval and it cannot answer (no model,
     *                               or vectors missing): a BM25 result labelled dense would mislead
     */
    public Result evaluate(Path set, int[] ks, Split split, RetrievalProperties.Mode mode) {
        return evaluate(set, ks, split, mode, outcome -> { });
    }

    /** As {@link #evaluate(Path, int[], Split, RetrievalProperties.Mode)}, handing each question's outcome to {@code each}. */
    public Result evaluate(Path set, int[] ks, Split split, RetrievalProperties.Mode mode, Consumer<QuestionOutcome> each) {
        requireAnswerable(mode);
        List<LabelledQuestion> questions = LabelledQuestions.read(set, retriever.citationParser()).stream()
                .filter(q -> inSplit(q, split)).toList();
        return score(set.getFileName().toString(), questions, ks, split, mode, each);
    }

    /**
     * Evaluates the retriever in {@code mode} on the {@code split} part of the all-law collection
     * ({@link AllLawCollection}) under {@code dataRoot}: one result per source, each with its areas.
     */
    public List<Result> evaluateCollection(Path dataRoot, int[] ks, Split split, RetrievalProperties.Mode mode,
                                           Consumer<QuestionOutcome> each) {
        requireAnswerable(mode);
        List<AllLawCollection.Question> questions = AllLawCollection.inSplit(
                AllLawCollection.read(dataRoot, retriever.citationParser()), split);
        List<Result> results = new ArrayList<>();
        for (AllLawCollection.Source source : AllLawCollection.SOURCES) {
            List<LabelledQuestion> fromSource = questions.stream().filter(q -> q.source().equals(source.name()))
                    .map(AllLawCollection.Question::question).toList();
            if (!fromSource.isEmpty()) {
                results.add(score(source.name(), fromSource, ks, split, mode, each));
            }
        }
        return results;
    }

    /** The questions of the all-law collection outside {@code split} (all of them for {@link Split#ALL}), for warming up. */
    public List<LabelledQuestion> collectionWarmUpQuestions(Path dataRoot, Split split) {
        return AllLawCollection.read(dataRoot, retriever.citationParser()).stream()
                .filter(q -> split == Split.ALL || q.part() != split).map(AllLawCollection.Question::question).toList();
    }

    private Result score(String setName, List<LabelledQuestion> questions, int[] ks, Split split, RetrievalProperties.Mode mode,
                         Consumer<QuestionOutcome> each) {
        int maxK = Arrays.stream(ks).max().orElse(3);
        maxK = Math.max(maxK, 3);
        Map<Integer, Double> recallSums = new LinkedHashMap<>();
        for (int k : ks) {
            recallSums.put(k, 0.0);
        }
        Map<LawArea, AreaSums> areas = new EnumMap<>(LawArea.class);
        double hit3 = 0;
        double mrr = 0;
        int evaluated = 0;
        int gold = 0;
        int unresolved = 0;
        List<Double> latencies = new ArrayList<>();
        long denseMark = dense.timings().count();
        for (LabelledQuestion question : questions) {
            Set<String> goldKeys = new LinkedHashSet<>();
            Set<String> goldCitations = new LinkedHashSet<>();
            List<Article> goldArticles = new ArrayList<>();
            for (LabelledQuestions.GoldReference reference : question.gold()) {
                gold++;
                Citation c = reference.citation();
                Optional<Article> resolved = c == null ? Optional.empty() : articles.resolve(c);
                if (resolved.isEmpty()) {
                    unresolved++;
                    continue;
                }
                if (goldKeys.add(key(c.law(), c.number(), c.suffix()))) {
                    goldArticles.add(resolved.get());
                }
                goldCitations.add(resolved.get().citation());
            }
            if (goldKeys.isEmpty()) {
                continue;
            }
            LawArea area = LawArea.ofAll(goldArticles);
            long start = System.nanoTime();
            String searched = queries.apply(truncate(question.question()));
            List<ArticleRetriever.Hit> hits = search(question, searched, maxK, mode);
            double latencyMs = (System.nanoTime() - start) / 1e6;
            latencies.add(latencyMs);
            List<String> ranked = hits.stream().map(h -> key(h.article().law(), h.article().number(), h.article().suffix())).toList();
            each.accept(new QuestionOutcome(setName, split.name().toLowerCase(), label(mode),
                    question.index(), question.question(), area.label(), List.copyOf(goldCitations),
                    hits.stream().map(h -> h.article().citation()).toList(), hits.stream().map(ArticleRetriever.Hit::source).toList(),
                    hits.stream().map(ArticleRetriever.Hit::score).toList(), (int) ranked.stream().limit(3).filter(goldKeys::contains).count(), latencyMs,
                    searched.equals(question.question()) ? null : searched));
            AreaSums areaSums = areas.computeIfAbsent(area, a -> new AreaSums());
            areaSums.questions++;
            for (int k : ks) {
                long found = ranked.stream().limit(k).filter(goldKeys::contains).count();
                double recall = (double) found / goldKeys.size();
                recallSums.merge(k, recall, Double::sum);
                areaSums.recall.merge(k, recall, Double::sum);
            }
            if (ranked.stream().limit(3).anyMatch(goldKeys::contains)) {
                hit3++;
            }
            for (int i = 0; i < ranked.size(); i++) {
                if (goldKeys.contains(ranked.get(i))) {
                    mrr += 1.0 / (i + 1);
                    break;
                }
            }
            evaluated++;
        }
        Map<Integer, Double> recall = new LinkedHashMap<>();
        int n = Math.max(1, evaluated);
        recallSums.forEach((k, sum) -> recall.put(k, sum / n));
        List<AreaResult> byArea = new ArrayList<>();
        areas.forEach((area, sums) -> {
            Map<Integer, Double> areaRecall = new LinkedHashMap<>();
            sums.recall.forEach((k, sum) -> areaRecall.put(k, sum / sums.questions));
            byArea.add(new AreaResult(area.label(), label(mode), sums.questions, areaRecall));
        });
        latencies.sort(Double::compare);
        return new Result(setName, split.name().toLowerCase(), label(mode), evaluated, gold, unresolved, recall,
                hit3 / n, mrr / n, Percentiles.of(latencies, 0.50), Percentiles.of(latencies, 0.99),
                mode == RetrievalProperties.Mode.BM25 ? null : dense.timings().since(denseMark), List.copyOf(byArea));
    }

    private static final class AreaSums {
        int questions;
        final Map<Integer, Double> recall = new LinkedHashMap<>();
    }

    private static boolean inSplit(LabelledQuestion question, Split split) {
        boolean dev = DevSplit.isDev(question.question());
        return switch (split) {
            case ALL -> true;
            case DEV -> dev;
            case TRAIN -> !dev;
            case VALIDATION -> !dev && RetrieverData.isValidation(question.question());
        };
    }

    /**
     * Untimed searches, for {@code duration}, before anything is timed: the latencies should be a
     * running service's, not those of its first minute. Without it, whichever set ran first had the
     * JIT still compiling in both JVMs (over all of 3-2, BM25 p99 113 ms run first, 42–59 ms run
     * last), and 100 warm-up searches per set still left the first set's p99 at 49–75 ms.
     * The searches cycle through the questions of {@code sets} outside {@code split} (all of them
     * when the split is every question) in each of {@code modes}; recall is not affected.
     *
     * @return the number of warm-up searches made
     */
    public int warmUp(List<Path> sets, Split split, List<RetrievalProperties.Mode> modes, java.time.Duration duration) {
        List<LabelledQuestion> questions = new ArrayList<>();
        for (Path set : sets) {
            for (LabelledQuestion q : LabelledQuestions.read(set, retriever.citationParser())) {
                if (split == Split.ALL || !inSplit(q, split)) {
                    questions.add(q);
                }
            }
        }
        return warmUp(questions, modes, duration);
    }

    /** Untimed searches with {@code questions} in each of {@code modes} for {@code duration}; see above. */
    public int warmUp(List<LabelledQuestion> questions, List<RetrievalProperties.Mode> modes, java.time.Duration duration) {
        if (questions.isEmpty() || duration.isZero() || duration.isNegative()) {
            return 0;
        }
        long end = System.nanoTime() + duration.toNanos();
        int searches = 0;
        while (System.nanoTime() < end) {
            // Every mode from the start: a cycle per mode could end the warm-up before the last mode's turn.
            LabelledQuestion question = questions.get((searches / modes.size()) % questions.size());
            search(question, 3, modes.get(searches % modes.size()));
            searches++;
        }
        return searches;
    }

    private List<ArticleRetriever.Hit> search(LabelledQuestion question, int k, RetrievalProperties.Mode mode) {
        return search(question, truncate(question.question()), k, mode);
    }

    private List<ArticleRetriever.Hit> search(LabelledQuestion question, String query, int k, RetrievalProperties.Mode mode) {
        return retriever.retrieve(new ArticleRetriever.Request(query, question.earlierUserTurns(), k), mode);
    }

    /** @throws IllegalStateException when {@code mode} needs dense retrieval and it cannot answer now, saying why */
    public void requireAnswerable(RetrievalProperties.Mode mode) {
        DenseSearch.Availability availability = dense.availability();
        if (mode != RetrievalProperties.Mode.BM25 && !availability.usable()) {
            throw new IllegalStateException("cannot evaluate " + mode.label() + " retrieval: " + availability.reason());
        }
    }

    /** The question cut to what a search accepts ({@code lawyer.retrieval.max-query-length}, in code points). */
    private String truncate(String question) {
        int max = properties.maxQueryLength();
        return question.codePointCount(0, question.length()) > max
                ? question.substring(0, question.offsetByCodePoints(0, max)) : question;
    }

    static String key(String law, int number, int suffix) {
        return law + "#" + number + "-" + suffix;
    }

}
