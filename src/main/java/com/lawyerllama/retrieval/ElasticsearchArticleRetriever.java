package com.lawyerllama.retrieval;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.TextQueryType;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LawNames;
import com.lawyerllama.retrieval.RetrievalProperties.Mode;
import com.lawyerllama.retrieval.dense.DenseSearch;
import com.lawyerllama.system.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Retrieval over the article index, lexical and dense:
 * <ol>
 *   <li>articles the question cites by number (刑法第264条) are looked up directly and come first;</li>
 *   <li>BM25: the question is cleaned of conversational filler; earlier user turns join the query at lower
 *       weight; it is matched against the article text (unigrams + bigrams), the 编/章/节 path and the law's
 *       title; laws named in the question are boosted; so are national laws over regulations and rules
 *       (category prior) and articles that other statutes cite often (popularity prior, counted from the
 *       corpus itself at import time); the best candidates then lend part of their score to the articles of other
 *       laws they cite ({@link CitedArticles});</li>
 *   <li>dense: the question (with the earlier user turns) encoded by the active retriever model, and the
 *       nearest article vectors (kNN in Elasticsearch, {@link DenseSearch});</li>
 *   <li>only current versions; each retriever has a relevance floor (BM25: hits far below the best, and
 *       everything when even the best is weak; dense: a minimum cosine similarity), and in {@code fused}
 *       mode the two rankings are merged by weighted reciprocal-rank fusion ({@link RankFusion}).</li>
 * </ol>
 * The mode is {@code lawyer.retrieval.mode}; dense and fused answer with BM25 alone while dense
 * retrieval cannot (no model, or vectors missing).
 */
@Component
public class ElasticsearchArticleRetriever implements ArticleRetriever {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ElasticsearchArticleRetriever.class);

    /** Category prior: national laws are what consultations cite most; departmental rules least. */
    static final Map<String, Double> CATEGORY_WEIGHT = Map.of(
            "民法典", 1.6, "宪法", 1.0, "宪法相关法", 1.0, "民法商法", 1.3, "刑法", 1.3, "社会法", 1.3,
            "经济法", 1.1, "行政法", 1.0, "诉讼与非诉讼程序法", 1.2, "司法解释", 1.0);
    static final double OTHER_CATEGORY_WEIGHT = 0.6;
    /** The index's search-side analyzer that emits a question's bigrams only (see {@link ArticleIndex}). */
    static final String BIGRAMS_ONLY = "cjk_bigram_search";

    private final ArticleIndex index;
    private final ArticleIndexStatus status;
    private final RetrievalProperties properties;
    private final DenseSearch dense;
    /**
     * Runs the dense half of a fused search. Bounded: when all its threads are busy the caller's
     * thread runs the dense search itself (after BM25, as a plain sequence would).
     */
    private final ExecutorService parallel = new ThreadPoolExecutor(0, 4, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            r -> {
                Thread t = new Thread(r, "dense-search");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());
    private volatile NamesSnapshot names;

    /** What the retriever knows of the index, re-read when its document count changes (after an import). */
    private record NamesSnapshot(long documents, LawNames names, CitationParser parser, CitedArticles cited, boolean bigramSearch,
                                 long checkedAt) {
    }

    public ElasticsearchArticleRetriever(ArticleIndex index, ArticleIndexStatus status, RetrievalProperties properties,
                                         DenseSearch dense) {
        this.index = index;
        this.status = status;
        this.properties = properties;
        this.dense = dense;
    }

    /** Retrieves in the configured mode ({@code lawyer.retrieval.mode}). */
    @Override
    public List<Hit> retrieve(Request query) {
        return retrieve(query, properties.mode());
    }

    /** Retrieves in {@code mode} (BM25 alone while dense retrieval cannot answer). */
    public List<Hit> retrieve(Request query, Mode mode) {
        validate(query);
        status.requireSearchable();
        NamesSnapshot known = names();
        Map<String, Hit> hits = new LinkedHashMap<>();
        for (Citation citation : known.parser().parse(query.question())) {
            if (hits.size() >= query.k()) {
                break;
            }
            index.resolve(citation)
                    .ifPresent(a -> hits.putIfAbsent(a.id(), new Hit(a, Double.MAX_VALUE, "explicit")));
        }
        Mode answering = dense.effectiveMode(mode);
        int explicit = hits.size();
        Supplier<List<ScoredArticle>> denseSearch = () -> RankFusion.aboveDenseFloor(dense.nearest(query.question(),
                query.earlierQuestions(), Math.max(properties.candidates(), query.k() + explicit)), properties.dense().minSimilarity());
        // Fused, the dense search (question encoding, then kNN) runs beside BM25 rather than after it.
        Future<List<ScoredArticle>> denseHits = answering == Mode.FUSED ? parallel.submit(denseSearch::get) : null;
        List<ScoredArticle> lexical;
        try {
            lexical = answering == Mode.DENSE ? List.of()
                    : known.cited().spread(RankFusion.aboveBm25Floor(bm25(query, known, explicit), properties.minBestScore(),
                            properties.minScore()), properties.citationSpread(), properties.minScore());
        } catch (RuntimeException e) {
            if (denseHits != null) {
                denseHits.cancel(false);
            }
            throw e;
        }
        // Fused, BM25's floor decides whether the question bears on any statute at all: cosine
        // similarity under the trained model does not (measured once, see docs/retrieval.md: gold articles' median cosine 0.29,
        // the best article for a non-legal instruction 0.44), so a clearly unrelated question gets nothing.
        boolean unrelated = answering == Mode.FUSED && lexical.isEmpty();
        if (unrelated) {
            denseHits.cancel(false);
        }
        List<ScoredArticle> nearest = switch (answering) {
            case BM25 -> List.of();
            case DENSE -> denseSearch.get();
            case FUSED -> unrelated ? List.of() : await(denseHits);
        };
        List<Hit> ranked = switch (answering) {
            case BM25 -> lexical.stream().map(s -> new Hit(s.article(), s.score(), RankFusion.BM25)).toList();
            case DENSE -> nearest.stream().map(s -> new Hit(s.article(), s.score(), RankFusion.DENSE)).toList();
            case FUSED -> RankFusion.fuse(lexical, nearest, properties.fusion());
        };
        for (Hit hit : ranked) {
            if (hits.size() >= query.k()) {
                break;
            }
            hits.putIfAbsent(hit.article().id(), hit);
        }
        List<Hit> result = new ArrayList<>(hits.values());
        return result.size() > query.k() ? result.subList(0, query.k()) : result;
    }

    private static List<ScoredArticle> await(Future<List<ScoredArticle>> hits) {
        try {
            return hits.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hits.cancel(true);
            throw new IllegalStateException("interrupted while waiting for the dense search", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        parallel.shutdownNow();
    }

    /** BM25 candidates re-weighted by the priors, best first (before the floor). */
    private List<ScoredArticle> bm25(Request query, NamesSnapshot known, int explicit) {
        String text = QueryText.clean(query.question());
        if (text.isBlank()) {
            return List.of();
        }
        String earlier = QueryText.clean(String.join(" ", query.earlierQuestions()));
        Set<String> laws = known.names().lawsMentioned(query.question() + " " + String.join(" ", query.earlierQuestions()));
        // Plain BM25 keeps Lucene's top-k pruning fast; the priors then re-weight the candidates here.
        int size = Math.max(properties.candidates(), query.k() + explicit);
        Query full = lexicalQuery(text, earlier, laws, properties.searchAnalyzer());
        List<ScoredArticle> hits = List.of();
        Query reduced = known.bigramSearch() ? reducedQuery(text, earlier, laws) : null;
        if (reduced != null) {
            hits = index.search(reduced, size);
        } else if (properties.rescoreWindow() > 0 && known.bigramSearch()) {
            hits = index.search(lexicalQuery(text, earlier, laws, BIGRAMS_ONLY), full,
                    Math.max(size, properties.rescoreWindow()), size,
                    text.codePointCount(0, text.length()) > properties.bigramWeightFrom() ? properties.bigramWeight() : 0.0);
        }
        if (hits.isEmpty()) {   // one stage (or a question with no bigram in the corpus)
            hits = index.search(full, size);
        }
        List<ScoredArticle> scored = new ArrayList<>();
        for (ScoredArticle s : hits) {
            scored.add(new ScoredArticle(s.article(), s.score() * prior(s)));
        }
        scored.sort(java.util.Comparator.comparingDouble(ScoredArticle::score).reversed());
        return scored;
    }

    /**
     * For a question with more distinct bigrams than {@code lawyer.retrieval.long-query-terms}: its
     * most informative bigrams only (frequency in the question × log inverse document frequency), each
     * a term clause on every field, boosted by the field's weight × its frequency in the question; null
     * for a shorter question (or when the setting is 0).
     */
    Query reducedQuery(String text, String earlier, Set<String> laws) {
        int keep = properties.longQueryTerms();
        int from = properties.longQueryThreshold();
        if (keep <= 0 || text.codePointCount(0, text.length()) <= from) {
            return null;
        }
        ArticleIndex.TermStatistics stats = index.termStatistics(text, BIGRAMS_ONLY);
        if (stats.terms().size() <= from) {
            return null;
        }
        double n = Math.max(1, stats.documents());
        List<ArticleIndex.TermStatistic> chosen = stats.terms().stream()
                .filter(t -> t.documents() > 0)
                .sorted(java.util.Comparator.comparingDouble((ArticleIndex.TermStatistic t) ->
                        -t.frequency() * Math.log(1 + (n - t.documents() + 0.5) / (t.documents() + 0.5))))
                .limit(keep).toList();
        if (chosen.isEmpty()) {
            return null;
        }
        Query terms = Query.of(q -> q.bool(b -> {
            for (String field : properties.fields()) {
                int caret = field.indexOf('^');
                String name = caret < 0 ? field : field.substring(0, caret);
                float boost = caret < 0 ? 1f : Float.parseFloat(field.substring(caret + 1));
                for (ArticleIndex.TermStatistic t : chosen) {
                    b.should(s -> s.term(tq -> tq.field(name).value(t.term()).boost(boost * t.frequency())));
                }
            }
            return b;
        }));
        return withContext(terms, earlier, laws, BIGRAMS_ONLY);
    }

    /** The question against {@code fields}, analysed by {@code analyzer} (blank: the fields' own analyzer). */
    Query lexicalQuery(String text, String earlier, Set<String> laws, String analyzer) {
        boolean analyzed = analyzer != null && !analyzer.isBlank();
        Query match = Query.of(q -> q.multiMatch(m -> {
            m.query(text).type(TextQueryType.MostFields).fields(properties.fields());
            if (analyzed) {
                m.analyzer(analyzer);
            }
            return m;
        }));
        return withContext(match, earlier, laws, analyzer);
    }

    /**
     * {@code match} over current articles only, with what the question's context adds: the user's
     * earlier turns (analysed by {@code analyzer}, blank: the field's own) and the laws it names.
     */
    private Query withContext(Query match, String earlier, Set<String> laws, String analyzer) {
        boolean analyzed = analyzer != null && !analyzer.isBlank();
        return Query.of(q -> q.bool(b -> {
            b.filter(f -> f.term(t -> t.field("current").value(true)));
            b.must(match);
            if (!earlier.isBlank()) {
                b.should(s -> s.match(m -> {
                    m.field("text").query(earlier).boost(0.3f);
                    if (analyzed) {
                        m.analyzer(analyzer);
                    }
                    return m;
                }));
            }
            for (String law : laws) {
                b.should(s -> s.term(t -> t.field("law").value(law).boost(properties.lawBoost())));
            }
            return b;
        }));
    }

    /**
     * Multiplicative priors: the category's weight (national laws above regulations and rules),
     * and, when enabled, a gentle bonus for articles other statutes cite often.
     */
    double prior(ScoredArticle s) {
        double weight = 1.0;
        if (properties.categoryPrior()) {
            String category = s.article().category();
            String top = category.contains("/") ? category.substring(0, category.indexOf('/')) : category;
            weight *= CATEGORY_WEIGHT.getOrDefault(top, OTHER_CATEGORY_WEIGHT);
        }
        if (properties.popularityPrior()) {
            weight *= 1 + 0.1 * Math.log10(1 + s.citedBy());
        }
        return weight;
    }

    private void validate(Request query) {
        if (query.question() == null || query.question().isBlank()) {
            throw ApiException.badRequest("the query is empty");
        }
        if (query.question().codePointCount(0, query.question().length()) > properties.maxQueryLength()) {
            throw ApiException.badRequest("the query is longer than " + properties.maxQueryLength() + " characters")
                    .with("maxLength", properties.maxQueryLength());
        }
        if (query.k() < 1 || query.k() > properties.maxK()) {
            throw ApiException.badRequest("k must be between 1 and " + properties.maxK()).with("maxK", properties.maxK());
        }
    }

    /** Law names known to the index, rebuilt when the number of documents changes (after an import). */
    private NamesSnapshot names() {
        NamesSnapshot snapshot = names;
        if (snapshot != null && System.nanoTime() - snapshot.checkedAt() < 10_000_000_000L) {
            return snapshot;
        }
        long documents = index.count();
        if (snapshot != null && snapshot.documents() == documents) {
            snapshot = new NamesSnapshot(documents, snapshot.names(), snapshot.parser(), snapshot.cited(), snapshot.bigramSearch(),
                    System.nanoTime());
            names = snapshot;
            return snapshot;
        }
        LawNames lawNames = LawNames.ofTitles(index.lawTitles());
        boolean bigramSearch = index.definesAnalyzer(BIGRAMS_ONLY);
        if (!bigramSearch && properties.rescoreWindow() > 0) {
            log.warn("The article index predates the {} analyzer: BM25 searches in one stage (slower) until `import --reindex`",
                    BIGRAMS_ONLY);
        }
        CitationParser parser = new CitationParser(lawNames);
        CitedArticles cited = new CitedArticles(parser, index);
        snapshot = new NamesSnapshot(documents, lawNames, parser, cited, bigramSearch, System.nanoTime());
        names = snapshot;
        if (properties.citationSpread().weight() > 0 && properties.citationSpread().sources() > 0) {
            learnInBackground(cited);
        }
        return snapshot;
    }

    /** Reads every citation link of the index on a background thread, so that searches need not look them up. */
    private void learnInBackground(CitedArticles cited) {
        Thread learner = new Thread(() -> {
            long started = System.nanoTime();
            try {
                int learned = cited.learnAll(index::currentArticles, LEARNING_PAGE);
                log.info("Citation spreading: read the index's links to {} cited articles in {} ms", learned,
                        (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                log.warn("Citation spreading could not read the index's links ({}); searches look them up as they meet them",
                        e.getMessage());
            }
        }, "cited-articles");
        learner.setDaemon(true);
        learner.start();
    }

    private static final int LEARNING_PAGE = 1000;

    /** The citation parser that knows the indexed laws. */
    public CitationParser citationParser() {
        return names().parser();
    }
}
