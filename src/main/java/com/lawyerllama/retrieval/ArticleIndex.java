package com.lawyerllama.retrieval;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.mapping.TypeMapping;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
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
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The statute article index: mapping and analysis declared here, versioned indices
 * ({@code articles-yyyyMMddHHmmss}) behind an alias so a reindex swaps in atomically, and
 * idempotent bulk upserts (a document that did not change is a no-op) with every failed item
 * reported.
 */
@Component
public class ArticleIndex implements ArticleResolver {

    /** A document and the outcome of writing it. */
    public record ItemFailure(String id, String reason) {
    }

    /** What one bulk request did. */
    public record BulkOutcome(int created, int updated, int unchanged, List<ItemFailure> failures) {
    }

    private static final Map<String, Object> RAW = Map.of();
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

    /** The index imports write to: the alias's index, created (with the alias) when missing. */
    public String ensureIndex() {
        return currentIndex().orElseGet(() -> {
            String name = createVersionedIndex();
            swapAlias(name);
            return name;
        });
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
                .properties("citedBy", p -> p.integer(i -> i)));
    }

    /**
     * Upserts articles by id into {@code index}: new ids are created, changed ones updated,
     * identical ones left alone (Elasticsearch's no-op detection), so a rerun changes nothing.
     */
    public BulkOutcome upsert(String index, List<Article> articles, Map<String, Integer> citedBy) {
        if (articles.isEmpty()) {
            return new BulkOutcome(0, 0, 0, List.of());
        }
        BulkRequest.Builder bulk = new BulkRequest.Builder().index(index);
        for (Article article : articles) {
            Map<String, Object> doc = ArticleDocuments.toDocument(article, citedBy.getOrDefault(article.id(), 0));
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
            var response = client.get(g -> g.index(alias()).id(id), Map.class);
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
            var response = client.mget(m -> m.index(alias()).ids(ids), Map.class);
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

    /** Scored hits of a query, best first. */
    public List<ScoredArticle> search(Query query, int size) {
        try {
            @SuppressWarnings("unchecked")
            SearchResponse<Map> response = client.search(s -> s.index(alias()).query(query).size(size)
                    .trackTotalHits(t -> t.enabled(false)), Map.class);
            List<ScoredArticle> hits = new ArrayList<>();
            for (Hit<Map> hit : response.hits().hits()) {
                Map<String, Object> source = castMap(hit.source());
                Object citedBy = source.get("citedBy");
                hits.add(new ScoredArticle(ArticleDocuments.fromDocument(source), hit.score() == null ? 0 : hit.score(),
                        citedBy instanceof Number n ? n.intValue() : 0));
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        Query query = Query.of(q -> q.bool(b -> b
                .filter(f -> f.term(t -> t.field("law").value(law)))
                .filter(f -> f.term(t -> t.field("number").value(number)))
                .filter(f -> f.term(t -> t.field("suffix").value(suffix)))));
        return search(query, 20).stream().map(ScoredArticle::article)
                .max(java.util.Comparator.comparing(Article::current).thenComparing(Article::version));
    }

    /** {@link ArticleResolver} over the index: the same lookup as {@link #find}. */
    @Override
    public Optional<Article> resolve(Citation citation) {
        return find(citation.law(), citation.number(), citation.suffix());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object source) {
        return source == null ? RAW : (Map<String, Object>) source;
    }

}
