package com.lawyerllama.retrieval;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The article index and the retriever.
 *
 * @param alias          the alias searches go through; versioned indices ({@code alias-yyyyMMddHHmmss}) sit behind it
 * @param analyzer       {@code cjk_bigram} (built in: standard tokenizer + 2-shingles, works on the minimal
 *                       distribution) or the name of an installed plugin analyzer ({@code ik_max_word}, {@code smartcn})
 * @param topK           articles returned by default
 * @param maxK           largest {@code k} a caller may ask for
 * @param minScore       relevance floor, as a fraction of the best hit's score: hits below it are dropped
 *                       (the best hit itself must reach {@code minBestScore})
 * @param minBestScore   the best BM25 hit's raw score below which nothing is returned (clearly unrelated)
 * @param maxQueryLength longest question (characters) a search accepts
 * @param bulkSize       articles per bulk request when importing
 * @param categoryPrior  weight national laws above regulations and departmental rules
 * @param popularityPrior weight articles by how often other statutes cite them
 * @param lawBoost       boost for articles of laws the question names
 * @param candidates     BM25 hits the priors re-weight before the top k are taken
 * @param fields         fields the question is matched against, with boosts
 * @param searchAnalyzer analyzer for the question at search time ({@code cjk_bigram_search}: bigrams only,
 *                       defined by the index; empty: the field's own analyzer, unigrams and bigrams)
 * @param rescoreWindow  when above 0, BM25 runs in two stages: the question's bigrams alone find this many
 *                       candidates (fast: single characters match most of the corpus), then the full query
 *                       ({@code searchAnalyzer}) scores just those; 0: one stage, the full query over the corpus
 * @param longQueryTerms when above 0, a question with more distinct bigrams than this is searched in one stage
 *                       by only its this-many most informative bigrams (term frequency in the question × the
 *                       index's inverse document frequency): a long fact description has hundreds, and BM25's
 *                       cost grows with them; 0: every question in full
 * @param mode           {@code bm25} (the default), {@code dense} or {@code fused} (both, by weighted reciprocal-rank
 *                       fusion); dense and fused fall back to BM25 (logged) while no retriever model is active or its
 *                       vectors do not yet cover the index. BM25 is the default because fused retrieval with the
 *                       shipped model lost to BM25 on areas of law of the all-law validation collection
 *                       ({@link AllLawCollection}), whatever fusion weights, dense floor or gate (see docs/retrieval-areas.md)
 * @param dense          the dense retriever: its model and relevance floor
 * @param fusion         how BM25 and dense rankings are fused
 * @param citationSpread how BM25's best candidates lend their score to the articles of other laws they cite
 * @param longQueryFrom  the number of distinct bigrams above which a question is searched by (at most)
 *                       {@code longQueryTerms} of them, deduplicated; unset: {@code longQueryTerms}
 * @param bigramWeight   in two-stage BM25, the weight of the first stage's bigram score added to the second stage's
 *                       (unigrams and bigrams): above 0 the bigrams count more than the single characters; 0: the
 *                       second stage's score alone
 * @param bigramWeightFrom {@code bigramWeight} applies to questions longer than this many characters (after
 *                       cleaning); shorter ones are scored by the second stage alone
 */
@ConfigurationProperties(prefix = "lawyer.retrieval")
public record RetrievalProperties(
        @DefaultValue("articles") String alias,
        @DefaultValue("cjk_bigram") String analyzer,
        @DefaultValue("3") int topK,
        @DefaultValue("20") int maxK,
        @DefaultValue("0.25") double minScore,
        @DefaultValue("5.0") double minBestScore,
        @DefaultValue("2000") int maxQueryLength,
        @DefaultValue("500") int bulkSize,
        @DefaultValue("true") boolean categoryPrior,
        @DefaultValue("false") boolean popularityPrior,
        @DefaultValue("8.0") float lawBoost,
        @DefaultValue("50") int candidates,
        @DefaultValue("") String searchAnalyzer,
        @DefaultValue("200") int rescoreWindow,
        @DefaultValue("160") int longQueryTerms,
        @DefaultValue({"text^1.0", "path^0.4", "lawTitle^0.3"}) java.util.List<String> fields,
        @DefaultValue("bm25") Mode mode,
        @DefaultValue Dense dense,
        @DefaultValue Fusion fusion,
        @DefaultValue CitationSpread citationSpread,
        Integer longQueryFrom,
        @DefaultValue("3.0") double bigramWeight,
        @DefaultValue("40") int bigramWeightFrom) {

    /** Distinct bigrams above which a question is searched by its most informative ones. */
    public int longQueryThreshold() {
        return longQueryFrom != null ? longQueryFrom : longQueryTerms;
    }

    /** These settings with another {@code longQueryFrom}. */
    public RetrievalProperties withLongQueryFrom(Integer from) {
        return new RetrievalProperties(alias, analyzer, topK, maxK, minScore, minBestScore, maxQueryLength, bulkSize,
                categoryPrior, popularityPrior, lawBoost, candidates, searchAnalyzer, rescoreWindow, longQueryTerms, fields,
                mode, dense, fusion, citationSpread, from, bigramWeight, bigramWeightFrom);
    }

    /** These settings with another {@code bigramWeight}. */
    public RetrievalProperties withBigramWeight(double weight) {
        return new RetrievalProperties(alias, analyzer, topK, maxK, minScore, minBestScore, maxQueryLength, bulkSize,
                categoryPrior, popularityPrior, lawBoost, candidates, searchAnalyzer, rescoreWindow, longQueryTerms, fields,
                mode, dense, fusion, citationSpread, longQueryFrom, weight, bigramWeightFrom);
    }

    /** These settings with other citation-spreading settings. */
    public RetrievalProperties withCitationSpread(CitationSpread spread) {
        return new RetrievalProperties(alias, analyzer, topK, maxK, minScore, minBestScore, maxQueryLength, bulkSize,
                categoryPrior, popularityPrior, lawBoost, candidates, searchAnalyzer, rescoreWindow, longQueryTerms, fields,
                mode, dense, fusion, spread, longQueryFrom, bigramWeight, bigramWeightFrom);
    }

    /** Which retrievers answer a question. */
    public enum Mode {
        BM25, DENSE, FUSED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The dense retriever ({@code lawyer.retrieval.dense.*}).
     *
     * @param modelPath     retriever model directory loaded at start-up, relative to the working directory;
     *                      when it is the default and missing, there is no dense retrieval (BM25 only); any other
     *                      missing or unreadable path stops the start; empty turns dense retrieval off
     * @param minSimilarity relevance floor: dense hits with a lower cosine similarity to the question are dropped
     * @param numCandidates HNSW candidates Elasticsearch examines per shard for the {@code candidates} nearest
     * @param batchSize     articles per encoder call and bulk request when embedding the index
     * @param pretrainedWeight for a model that carries a pretrained encoder: its share of a question's score,
     *                      in (0, 1); unset, the model's own {@code pretrainedWeight}. Query-side only, so
     *                      changing it needs no new vectors
     * @param vectorIndex   how Elasticsearch indexes the vector field, chosen when the field is added to an
     *                      index (a field never changes: another choice takes effect after {@code import --reindex})
     */
    public record Dense(
            @DefaultValue(DEFAULT_MODEL_PATH) String modelPath,
            @DefaultValue("0.0") double minSimilarity,
            @DefaultValue("200") int numCandidates,
            @DefaultValue("256") int batchSize,
            Double pretrainedWeight,
            @DefaultValue("auto") VectorIndex vectorIndex) {
        public static final String DEFAULT_MODEL_PATH = "models/retriever";

        public Dense {
            if (pretrainedWeight != null && !(pretrainedWeight > 0 && pretrainedWeight < 1)) {
                throw new IllegalArgumentException("lawyer.retrieval.dense.pretrained-weight must be in (0, 1), got " + pretrainedWeight);
            }
        }
    }

    /**
     * How the vector field is searched: exactly in every case, over the float vectors ({@code flat}) or
     * over 1-bit codes of them whose best candidates are then scored again with the floats
     * ({@code bbq_flat}, Elasticsearch's better binary quantisation). {@code auto} takes {@code bbq_flat}
     * from {@value #QUANTISE_FROM_DIMS} dimensions and {@code flat} below: measured on this project's
     * models (see docs/retrieval.md), the 1-bit scan halved the search time of the 640-dimension model carrying
     * BGE at a cost of at most 0.011 in recall@3 over all labelled questions, and gained nothing on the
     * 128-dimension n-gram model, whose search time is not spent scanning.
     */
    public enum VectorIndex {
        AUTO, FLAT, BBQ_FLAT;

        public static final int QUANTISE_FROM_DIMS = 384;

        /** What a field of {@code dims} dimensions is indexed as: {@code FLAT} or {@code BBQ_FLAT}. */
        public VectorIndex forDims(int dims) {
            return this != AUTO ? this : dims >= QUANTISE_FROM_DIMS ? BBQ_FLAT : FLAT;
        }
    }

    /**
     * Weighted reciprocal-rank fusion ({@code lawyer.retrieval.fusion.*}): an article's fused score is
     * {@code bm25Weight / (rankConstant + bm25Rank) + denseWeight / (rankConstant + denseRank)} over the
     * candidates that clear each retriever's own relevance floor (ranks from 1; a missing rank adds nothing).
     * The defaults were chosen by macro recall@3 over the areas of law of both validation collections (the
     * all-law collection's and the Lawyer LLaMA sets' validation questions, which the retriever model did not
     * train on), never on dev; see docs/retrieval-areas.md.
     */
    public record Fusion(
            @DefaultValue("1.0") double bm25Weight,
            @DefaultValue("1.0") double denseWeight,
            @DefaultValue("10") int rankConstant) {
    }

    /**
     * Citation spreading ({@code lawyer.retrieval.citation-spread.*}, {@link CitedArticles}): each of BM25's
     * {@code sources} best candidates (after the priors and the floor) gives {@code weight} × its score, shared
     * equally, to the articles of other laws its text cites (a judicial interpretation's 刑法第二百六十四条, a
     * regulation's 《民法典》第…条), which may enter the ranking that way. A question worded like the
     * interpretation or the regulation then also finds the article they apply. Weight 0 turns it off. Chosen on
     * both validation collections, never on dev (docs/retrieval-areas.md).
     */
    public record CitationSpread(
            @DefaultValue("1.0") double weight,
            @DefaultValue("20") int sources) {
        public CitationSpread {
            if (weight < 0 || sources < 0) {
                throw new IllegalArgumentException("lawyer.retrieval.citation-spread: weight and sources must be ≥ 0");
            }
        }
    }
}
