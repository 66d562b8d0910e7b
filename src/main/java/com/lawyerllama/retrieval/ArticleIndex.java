package com.lawyerllama.retrieval;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorIndexOptionsType;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorSimilarity;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.mapping.TypeMapping;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.core.search.ResponseBody;
import co.elastic.clients.elasticsearch.indices.IndexSettings;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The statute article index: mapping and analysis declared here, versioned indices
 * ({@code articles-yyyyMMddHHmmss}) behind an alias so a reindex swaps in atomically, and
 * idempotent bulk upserts (a document that did not change is a no-op) with every failed item
 * reported.
 *
 * <p>The dense retriever's vectors live in the same documents: {@code vector} (a {@code dense_vector}
 * of the retriever model's dimensions, unit length, compared by dot product, searched exactly, `flat`) and
 * {@code vectorModel} (the id of the model that made it). The vector field is added to an index when
 * a model is first used with it. An import that changes an article's content clears both, so a stale
 * vector is never searched and the next embedding pass recomputes it; an unchanged article keeps its
 * vector (its update stays a no-op). Fetched articles never carry their vectors.
 */
@Component
public class ArticleIndex implements ArticleResolver {
    private static final Logger log = LoggerFactory.getLogger(ArticleIndex.class);

    /** A document and the outcome of writing it. */
    public record ItemFailure(String id, String reason) {
    }

    /** What one bulk request did. */
    public record BulkOutcome(int created, int updated, int unchanged, List<ItemFailure> failures) {
    }

    /** An article that lacks the wanted model's vector, with the version it was read at. */
    public record PendingArticle(Article article, long seqNo, long primaryTerm) {
    }

    /** A vector for an article, written only if the article is still at the version it was read at. */
    public record VectorWrite(String id, float[] vector, long seqNo, long primaryTerm) {
    }

    /** What one bulk vector write did: written, skipped because the article changed meanwhile, failed. */
    public record VectorOutcome(int written, int conflicts, List<ItemFailure> failures) {
    }

    public static final String VECTOR = "vector";
    public static final String VECTOR_MODEL = "vectorModel";
    static final String CONTENT_HASH = "contentHash";
    private static final Map<String, Object> RAW = Map.of();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final ElasticsearchClient client;
    private final RetrievalProperties properties;

    public ArticleIndex(ElasticsearchClient client, RetrievalProperties properties) {
        this.client = client;
        this.properties = properties;
    }

    public String alias() {
        return properties.alias();
    }

    /** The concrete index behind the alias, if any. */
    public Optional<String> currentIndex() {
        try {
            if (!client.indices().existsAlias(a -> a.name(alias())).value()) {
                return Optional.empty();
            }
            return client.indices().getAlias(a -> a.name(alias())).result().keySet().stream().sorted().reduce((a, b) -> b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the index behind the alias defines {@code analyzer} (indices built before an
     * analyzer was added to {@link #settings()} lack it until {@code import --reindex}).
     */
    public boolean definesAnalyzer(String analyzer) {
        try {
            var response = client.indices().getSettings(g -> g.index(alias()));
            return response.result().values().stream().anyMatch(state -> {
                var settings = state.settings();
                var index = settings == null ? null : settings.index();
                var analysis = index == null ? null : index.analysis();
                return analysis != null && analysis.analyzer().containsKey(analyzer);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The index imports write to: the alias's index, created (with the alias) when missing. An index
     * created by an earlier version gets the fields added since ({@code contentHash}, {@code vectorModel}).
     */
    public String ensureIndex() {
        Optional<String> existing = currentIndex();
        if (existing.isPresent()) {
            try {
                client.indices().putMapping(p -> p.index(existing.get())
                        .properties(CONTENT_HASH, contentHashProperty())
                        .properties(VECTOR_MODEL, Property.of(v -> v.keyword(k -> k))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return existing.get();
        }
        String name = createVersionedIndex();
        swapAlias(name);
        return name;
    }

    /** Creates a new, empty versioned index with the current mapping (not yet behind the alias). */
    public String createVersionedIndex() {
        String name = alias() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS"));
        try {
            client.indices().create(c -> c.index(name).settings(settings()).mappings(mapping()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    /** Points the alias at {@code index} in one atomic request, removing it from any other index. */
    public void swapAlias(String index) {
        Optional<String> old = currentIndex();
        try {
            client.indices().updateAliases(u -> {
                old.filter(o -> !o.equals(index)).ifPresent(o -> u.actions(a -> a.remove(r -> r.index(o).alias(alias()))));
                return u.actions(a -> a.add(ad -> ad.index(index).alias(alias())));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void deleteIndex(String index) {
        try {
            client.indices().delete(d -> d.index(index).ignoreUnavailable(true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private IndexSettings settings() {
        return IndexSettings.of(s -> s
                .numberOfShards("1")
                .numberOfReplicas("0")
                .refreshInterval(t -> t.time("1s"))
                .analysis(a -> a
                        .filter("cjk_bigram_shingle", f -> f.definition(d -> d.shingle(sh -> sh
                                .minShingleSize(2).maxShingleSize(2).outputUnigrams(true).tokenSeparator(""))))
                        .filter("cjk_bigram_only", f -> f.definition(d -> d.shingle(sh -> sh
                                .minShingleSize(2).maxShingleSize(2).outputUnigrams(false)
                                .outputUnigramsIfNoShingles(true).tokenSeparator(""))))
                        .analyzer("cjk_bigram", an -> an.custom(cu -> cu
                                .tokenizer("standard").filter("lowercase", "cjk_bigram_shingle")))
                        // Search side: bigrams only (single characters match most of the corpus and
                        // dominate query time); a one-character query still searches its unigram.
                        .analyzer("cjk_bigram_search", an -> an.custom(cu -> cu
                                .tokenizer("standard").filter("lowercase", "cjk_bigram_only")))));
    }

    private TypeMapping mapping() {
        String text = properties.analyzer();
        return TypeMapping.of(m -> m
                .dynamic(co.elastic.clients.elasticsearch._types.mapping.DynamicMapping.Strict)
                .properties("id", p -> p.keyword(k -> k))
                .properties("law", p -> p.keyword(k -> k))
                .properties("lawTitle", p -> p.text(t -> t.analyzer(text).fields("raw", f -> f.keyword(k -> k))))
                .properties("category", p -> p.keyword(k -> k))
                .properties("version", p -> p.keyword(k -> k))
                .properties("current", p -> p.boolean_(b -> b))
                .properties("path", p -> p.text(t -> t.analyzer(text)))
                .properties("number", p -> p.integer(i -> i))
                .properties("suffix", p -> p.integer(i -> i))
                .properties("label", p -> p.keyword(k -> k))
                .properties("citation", p -> p.keyword(k -> k))
                .properties("text", p -> p.text(t -> t.analyzer(text)))
                .properties("sourceFile", p -> p.keyword(k -> k.index(false)))
                .properties("line", p -> p.integer(i -> i.index(false)))
                .properties("citedBy", p -> p.integer(i -> i))
                .properties(CONTENT_HASH, contentHashProperty())
                .properties(VECTOR_MODEL, p -> p.keyword(k -> k)));
    }

    /** A digest of the article's stored fields: how an import tells a changed article from an unchanged one. */
    private static Property contentHashProperty() {
        return Property.of(p -> p.keyword(k -> k.index(false).docValues(false)));
    }

    /**
     * Exact search, never HNSW: measured on the trained model, HNSW with 200 candidates lost a tenth of
     * dense recall@3 (zixun dev 0.394 → 0.344; 2,000 candidates recovered it) because the vectors of
     * the articles labelled questions point at crowd together. {@code flat} scans the float vectors,
     * {@code bbq_flat} 1-bit codes of them with the best candidates scored again on the floats
     * ({@link RetrievalProperties.VectorIndex}).
     */
    private Property vectorProperty(int dims) {
        DenseVectorIndexOptionsType type = properties.dense().vectorIndex().forDims(dims) == RetrievalProperties.VectorIndex.BBQ_FLAT
                ? DenseVectorIndexOptionsType.BbqFlat : DenseVectorIndexOptionsType.Flat;
        return Property.of(p -> p.denseVector(d -> d.dims(dims).index(true).similarity(DenseVectorSimilarity.DotProduct)
                .indexOptions(o -> o.type(type))));
    }

    /** An index's vector field: its dimensions and how Elasticsearch indexes it ({@code flat}, {@code bbq_flat}, …). */
    public record VectorField(int dims, String indexType) {
    }

    /** The vector field of {@code index}, if it has one. */
    public Optional<VectorField> vectorField(String index) {
        try {
            var mappings = client.indices().getMapping(g -> g.index(index)).result();
            for (var record : mappings.values()) {
                Property vector = record.mappings().properties().get(VECTOR);
                if (vector != null && vector.isDenseVector() && vector.denseVector().dims() != null) {
                    var options = vector.denseVector().indexOptions();
                    return Optional.of(new VectorField(vector.denseVector().dims(),
                            options == null ? "default" : options.type().jsonValue()));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Dimensions of the vector field of {@code index}, if it has one. */
    public OptionalInt vectorDims(String index) {
        return vectorField(index).map(f -> OptionalInt.of(f.dims())).orElse(OptionalInt.empty());
    }

    /**
     * Adds the vector field for a model of {@code dims} dimensions to {@code index} when it has none.
     *
     * @throws IllegalStateException when the index already holds vectors of other dimensions (a
     *                               {@code dense_vector} field cannot change: the index must be rebuilt)
     */
    public void ensureVectorField(String index, int dims) {
        OptionalInt existing = vectorDims(index);
        if (existing.isPresent()) {
            if (existing.getAsInt() != dims) {
                throw new IllegalStateException(dimsMismatch(index, existing.getAsInt(), dims));
            }
            return;
        }
        try {
            client.indices().putMapping(p -> p.index(index).properties(VECTOR, vectorProperty(dims))
                    .properties(VECTOR_MODEL, Property.of(v -> v.keyword(k -> k))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Why a model of {@code dims} dimensions cannot use {@code index}, and what to do about it. */
    public static String dimsMismatch(String index, int indexDims, int dims) {
        return "the article index " + index + " holds " + indexDims + "-dimensional vectors and the retriever model makes "
                + dims + ": rebuild the index (import --reindex, or POST /admin/corpus/import with \"reindex\": true), "
                + "then embed it with this model";
    }

    /**
     * Upserts articles by id into {@code index}: new ids are created, changed ones updated,
     * identical ones left alone (Elasticsearch's no-op detection), so a rerun changes nothing.
     * A changed article loses its dense vector (the stored content digest tells which changed),
     * so it is never searched by a vector of its old text; the next embedding pass recomputes it.
     */
    public BulkOutcome upsert(String index, List<Article> articles, Map<String, Integer> citedBy) {
        if (articles.isEmpty()) {
            return new BulkOutcome(0, 0, 0, List.of());
        }
        Map<String, String> stored = storedContentHashes(index, articles.stream().map(Article::id).toList());
        Boolean hasVectors = null;   // looked up at the first changed article
        BulkRequest.Builder bulk = new BulkRequest.Builder().index(index);
        for (Article article : articles) {
            Map<String, Object> doc = ArticleDocuments.toDocument(article, citedBy.getOrDefault(article.id(), 0));
            String hash = contentHash(doc);
            doc.put(CONTENT_HASH, hash);
            String before = stored.get(article.id());
            if (before != null && !before.equals(hash)) {
                if (hasVectors == null) {
                    hasVectors = vectorDims(index).isPresent();
                }
                if (hasVectors) {   // the mapping is strict: an index without vectors has no field to clear
                    doc.put(VECTOR, null);
                }
                doc.put(VECTOR_MODEL, null);
            }
            bulk.operations(op -> op.update(u -> u.id(article.id())
                    .action(a -> a.doc(doc).docAsUpsert(true).detectNoop(true))));
        }
        BulkResponse response;
        try {
            response = client.bulk(bulk.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        List<ItemFailure> failures = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() != null) {
                failures.add(new ItemFailure(item.id(), item.error().type() + ": " + item.error().reason()));
                continue;
            }
            switch (String.valueOf(item.result())) {
                case "created" -> created++;
                case "noop" -> unchanged++;
                default -> updated++;
            }
        }
        return new BulkOutcome(created, updated, unchanged, failures);
    }

    static String contentHash(Map<String, Object> doc) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(doc));
            return java.util.HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The content digest of each stored article among {@code ids} ("" for one stored before digests were kept). */
    private Map<String, String> storedContentHashes(String index, List<String> ids) {
        try {
            @SuppressWarnings("unchecked")
            var response = client.mget(m -> m.index(index).ids(ids).sourceIncludes(CONTENT_HASH), Map.class);
            Map<String, String> hashes = new java.util.HashMap<>();
            for (var doc : response.docs()) {
                if (doc.isResult() && doc.result().found()) {
                    Object hash = castMap(doc.result().source()).get(CONTENT_HASH);
                    hashes.put(doc.result().id(), hash instanceof String h ? h : "");
                }
            }
            return hashes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts merging {@code index} into one segment, in the background (searches go on meanwhile).
     * Measured on the statute index after an import: the 16 segments a bulk import leaves made
     * BM25's p99 4× slower than one segment does. A failure to start is logged, not thrown: the
     * index serves either way.
     */
    public void compact(String index) {
        try {
            client.indices().forcemerge(f -> f.index(index).maxNumSegments(1L).waitForCompletion(false));
            log.info("Merging {} into one segment in the background", index);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not start merging {} into one segment: {}", index, e.toString());
        }
    }

    /**
     * {@link #compact} and wait, polling, until {@code index} is one segment (up to {@code timeout}).
     * For the command-line tools: their managed node stops when they exit, which abandons a merge
     * running in the background, and an embedding pass rewrites every document (measured: 17
     * segments and 23,783 deleted documents left behind, BM25 p50 2–3× slower).
     *
     * @return whether the index is one segment (or empty) now
     */
    public boolean compactAndWait(String index, java.time.Duration timeout) {
        compact(index);
        long end = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                var stats = client.indices().stats(s -> s.index(index).metric("segments"));
                var shards = stats.indices().get(index);
                Integer segments = shards == null || shards.primaries() == null || shards.primaries().segments() == null
                        ? null : shards.primaries().segments().count();
                if (segments != null && segments <= 1) {
                    return true;
                }
                if (System.nanoTime() > end) {
                    return false;
                }
                Thread.sleep(500);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void refresh() {
        try {
            client.indices().refresh(r -> r.index(alias()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Documents behind the alias (0 when the alias does not exist). */
    public long count() {
        try {
            if (currentIndex().isEmpty()) {
                return 0;
            }
            return client.count(c -> c.index(alias())).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<Article> get(String id) {
        try {
            @SuppressWarnings("unchecked")
            var response = client.get(g -> g.index(alias()).id(id).sourceExcludes(VECTOR), Map.class);
            return response.found() ? Optional.of(ArticleDocuments.fromDocument(castMap(response.source())))
                    : Optional.empty();
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Articles by id, in the order asked, missing ones left out. */
    public List<Article> getAll(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try {
            @SuppressWarnings("unchecked")
            var response = client.mget(m -> m.index(alias()).ids(ids).sourceExcludes(VECTOR), Map.class);
            List<Article> found = new ArrayList<>();
            for (var doc : response.docs()) {
                if (doc.isResult() && doc.result().found()) {
                    found.add(ArticleDocuments.fromDocument(castMap(doc.result().source())));
                }
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A term of a text as {@code analyzer} cuts it: how often in the text, in how many articles. */
    public record TermStatistic(String term, int frequency, long documents) {
    }

    /**
     * The terms {@code analyzer} makes of {@code text} for the article text field, with their
     * document frequencies in the index, and the number of articles with that field (one
     * term-vectors request for an artificial document; nothing is indexed).
     */
    public TermStatistics termStatistics(String text, String analyzer) {
        try {
            var response = client.termvectors(t -> t.index(alias()).doc(Map.of("text", text)).fields("text")
                    .perFieldAnalyzer(Map.of("text", analyzer)).termStatistics(true).fieldStatistics(true)
                    .positions(false).offsets(false).payloads(false).realtime(false));
            var vector = response.termVectors().get("text");
            if (vector == null) {
                return new TermStatistics(List.of(), 0);
            }
            List<TermStatistic> terms = new ArrayList<>();
            vector.terms().forEach((term, stats) -> terms.add(new TermStatistic(term, stats.termFreq(),
                    stats.docFreq() == null ? 0 : stats.docFreq())));
            return new TermStatistics(terms, vector.fieldStatistics() == null ? 0 : vector.fieldStatistics().docCount());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #termStatistics}' answer. */
    public record TermStatistics(List<TermStatistic> terms, long documents) {
    }

    /** Scored hits of a query, best first. */
    public List<ScoredArticle> search(Query query, int size) {
        return search(query, null, 0, size, 0.0);
    }

    /**
     * Scored hits of {@code rescore} among the best {@code window} hits of {@code candidates},
     * best first: a cheap query finds the candidates, the full one scores only those, and the final
     * score is {@code candidatesWeight} × the cheap query's plus the full one's ({@code rescore} null:
     * the candidates' own scores).
     */
    public List<ScoredArticle> search(Query candidates, Query rescore, int window, int size, double candidatesWeight) {
        try {
            @SuppressWarnings("unchecked")
            SearchResponse<Map> response = client.search(s -> {
                s.index(alias()).query(candidates).size(size)
                        .source(src -> src.filter(f -> f.excludes(VECTOR)))
                        .trackTotalHits(t -> t.enabled(false));
                if (rescore != null) {
                    s.rescore(r -> r.windowSize(window).query(q -> q.query(rescore).queryWeight(candidatesWeight).rescoreQueryWeight(1.0)));
                }
                return s;
            }, Map.class);
            return scored(response, 1.0, 0.0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hits with {@code a * score + b} as their score. */
    private static List<ScoredArticle> scored(ResponseBody<Map> response, double a, double b) {
        List<ScoredArticle> hits = new ArrayList<>();
        for (Hit<Map> hit : response.hits().hits()) {
            Map<String, Object> source = castMap(hit.source());
            Object citedBy = source.get("citedBy");
            hits.add(new ScoredArticle(ArticleDocuments.fromDocument(source), hit.score() == null ? 0 : a * hit.score() + b,
                    citedBy instanceof Number n ? n.intValue() : 0));
        }
        return hits;
    }

    /**
     * The {@code k} current articles whose {@code model} vectors are nearest to {@code vector} (unit length),
     * best first, scored by cosine similarity. With the exact (flat) field {@code numCandidates} does not change the result.
     */
    public List<ScoredArticle> nearest(float[] vector, String model, int k, int numCandidates) {
        return knn(vector, model, k, numCandidates).hits();
    }

    /** A kNN search's hits and the time Elasticsearch reports for it ({@code took}, ms). */
    public record Knn(List<ScoredArticle> hits, long tookMs) {
    }

    /** As {@link #nearest}, with Elasticsearch's own time for the search. */
    public Knn knn(float[] vector, String model, int k, int numCandidates) {
        List<Float> query = new ArrayList<>(vector.length);
        for (float v : vector) {
            query.add(v);
        }
        try {
            @SuppressWarnings("unchecked")
            SearchResponse<Map> response = client.search(s -> s.index(alias())
                    .knn(kn -> kn.field(VECTOR).queryVector(query).k(k).numCandidates(Math.max(k, numCandidates))
                            .filter(f -> f.bool(b -> b
                                    .filter(c -> c.term(t -> t.field("current").value(true)))
                                    .filter(m -> m.term(t -> t.field(VECTOR_MODEL).value(model))))))
                    .size(k)
                    .source(src -> src.filter(f -> f.excludes(VECTOR)))
                    .trackTotalHits(t -> t.enabled(false)), Map.class);
            // For dot_product similarity Elasticsearch scores (1 + cosine) / 2.
            return new Knn(scored(response, 2.0, -1.0), response.took());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Query withoutVectorOf(String model) {
        return Query.of(q -> q.bool(b -> b.mustNot(m -> m.term(t -> t.field(VECTOR_MODEL).value(model)))));
    }

    /** Articles of {@code index} in id order after {@code afterId} (null: from the start) that lack {@code model}'s vector. */
    public List<PendingArticle> withoutVectors(String index, String model, String afterId, int size) {
        return page(index, withoutVectorOf(model), afterId, size);
    }

    /** Current articles behind the alias in id order after {@code afterId} (null: from the start). */
    public List<Article> currentArticles(String afterId, int size) {
        return page(alias(), Query.of(q -> q.term(t -> t.field("current").value(true))), afterId, size).stream()
                .map(PendingArticle::article).toList();
    }

    private List<PendingArticle> page(String index, Query query, String afterId, int size) {
        try {
            @SuppressWarnings("unchecked")
            SearchResponse<Map> response = client.search(s -> {
                s.index(index).query(query).size(size).sort(o -> o.field(f -> f.field("id").order(SortOrder.Asc)))
                        .seqNoPrimaryTerm(true).source(src -> src.filter(f -> f.excludes(VECTOR)))
                        .trackTotalHits(t -> t.enabled(false));
                if (afterId != null) {
                    s.searchAfter(FieldValue.of(afterId));
                }
                return s;
            }, Map.class);
            List<PendingArticle> pending = new ArrayList<>();
            for (Hit<Map> hit : response.hits().hits()) {
                pending.add(new PendingArticle(ArticleDocuments.fromDocument(castMap(hit.source())),
                        hit.seqNo(), hit.primaryTerm()));
            }
            return pending;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many articles of {@code index} lack {@code model}'s vector. */
    public long countWithoutVectors(String index, String model) {
        try {
            return client.count(c -> c.index(index).query(withoutVectorOf(model))).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many articles behind the alias carry {@code model}'s vector (or its "no vector": a text it knows no unit of). */
    public long countVectors(String model) {
        try {
            if (currentIndex().isEmpty()) {
                return 0;
            }
            return client.count(c -> c.index(alias()).query(q -> q.term(t -> t.field(VECTOR_MODEL).value(model)))).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code model}'s vectors (a null vector: the model knows none of the article's units) as
     * partial updates. An article changed since it was read is left alone and counted as a conflict.
     */
    public VectorOutcome writeVectors(String index, String model, List<VectorWrite> writes) {
        if (writes.isEmpty()) {
            return new VectorOutcome(0, 0, List.of());
        }
        BulkRequest.Builder bulk = new BulkRequest.Builder().index(index);
        for (VectorWrite write : writes) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put(VECTOR, write.vector());
            doc.put(VECTOR_MODEL, model);
            bulk.operations(op -> op.update(u -> u.id(write.id()).ifSeqNo(write.seqNo()).ifPrimaryTerm(write.primaryTerm())
                    .action(a -> a.doc(doc))));
        }
        BulkResponse response;
        try {
            response = client.bulk(bulk.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int written = 0;
        int conflicts = 0;
        List<ItemFailure> failures = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() == null) {
                written++;
            } else if ("version_conflict_engine_exception".equals(item.error().type())) {
                conflicts++;
            } else {
                failures.add(new ItemFailure(item.id(), item.error().type() + ": " + item.error().reason()));
            }
        }
        return new VectorOutcome(written, conflicts, failures);
    }

    /** Every law's short name with one of its full titles (for law-name detection in questions). */
    public Map<String, String> lawTitles() {
        Map<String, String> titles = new LinkedHashMap<>();
        try {
            var response = client.search(s -> s.index(alias()).size(0)
                    .aggregations("laws", a -> a.terms(t -> t.field("law").size(5000))
                            .aggregations("title", sub -> sub.terms(t -> t.field("lawTitle.raw").size(1)))), Void.class);
            for (var bucket : response.aggregations().get("laws").sterms().buckets().array()) {
                var titleBuckets = bucket.aggregations().get("title").sterms().buckets().array();
                String title = titleBuckets.isEmpty() ? bucket.key().stringValue() : titleBuckets.get(0).key().stringValue();
                titles.put(bucket.key().stringValue(), title);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return titles;
    }

    /** The article of a law by number: current version first, else the newest that has it. */
    public Optional<Article> find(String law, int number, int suffix) {
        return preferred(search(versionsOf(law, number, suffix), VERSIONS));
    }

    private static final int VERSIONS = 20;

    private static Query versionsOf(String law, int number, int suffix) {
        return Query.of(q -> q.bool(b -> b
                .filter(f -> f.term(t -> t.field("law").value(law)))
                .filter(f -> f.term(t -> t.field("number").value(number)))
                .filter(f -> f.term(t -> t.field("suffix").value(suffix)))));
    }

    private static Optional<Article> preferred(List<ScoredArticle> versions) {
        return versions.stream().map(ScoredArticle::article)
                .max(java.util.Comparator.comparing(Article::current).thenComparing(Article::version));
    }

    /** {@link ArticleResolver} over the index: the same lookup as {@link #find}. */
    @Override
    public Optional<Article> resolve(Citation citation) {
        return find(citation.law(), citation.number(), citation.suffix());
    }

    /** {@link #resolve} for several citations in one request. */
    @Override
    public List<Optional<Article>> resolveAll(List<Citation> citations) {
        if (citations.size() <= 1) {
            return citations.stream().map(this::resolve).toList();
        }
        try {
            @SuppressWarnings("unchecked")
            var response = client.msearch(m -> {
                m.index(alias());
                for (Citation c : citations) {
                    m.searches(s -> s.header(h -> h).body(b -> b.query(versionsOf(c.law(), c.number(), c.suffix()))
                            .size(VERSIONS).source(src -> src.filter(f -> f.excludes(VECTOR))).trackTotalHits(t -> t.enabled(false))));
                }
                return m;
            }, Map.class);
            List<Optional<Article>> answers = new ArrayList<>(citations.size());
            for (var item : response.responses()) {
                if (item.isFailure()) {
                    throw new IllegalStateException("article lookup failed: " + item.failure().error().reason());
                }
                answers.add(preferred(scored(item.result(), 1.0, 0.0)));
            }
            return answers;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object source) {
        return source == null ? RAW : (Map<String, Object>) source;
    }

}
