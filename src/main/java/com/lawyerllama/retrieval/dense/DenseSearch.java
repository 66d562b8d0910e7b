package com.lawyerllama.retrieval.dense;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.retrieval.RetrievalProperties.Mode;
import com.lawyerllama.retrieval.ScoredArticle;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The dense half of retrieval: whether it can answer now, and the articles nearest a question.
 * It can answer when a retriever model is active and every article behind the alias carries that
 * model's vector (checked at most every few seconds); otherwise retrieval answers with BM25 only
 * and says why once in the log, not at every question.
 */
@Component
public class DenseSearch {
    private static final Logger log = LoggerFactory.getLogger(DenseSearch.class);
    private static final long RECHECK_NANOS = 5_000_000_000L;
    /** While Elasticsearch does not answer (it may be restarting), dense retrieval is checked again this soon. */
    private static final long TEMPORARY_RECHECK_NANOS = 1_000_000_000L;

    /**
     * Whether dense retrieval can answer.
     *
     * @param model    the active model's id (null when none)
     * @param vectors  articles carrying its vectors
     * @param articles articles behind the alias
     * @param reason   why dense retrieval cannot answer (null when it can)
     * @param temporary the reason is an Elasticsearch outage (or its recovery): dense retrieval
     *                  answers again on its own, checked every second meanwhile
     */
    public record Availability(String model, long vectors, long articles, String reason, boolean temporary) {
        Availability(String model, long vectors, long articles, String reason) {
            this(model, vectors, articles, reason, false);
        }

        public boolean usable() {
            return reason == null;
        }
    }

    private record Checked(Availability availability, long at) {
    }

    private final ActiveRetrieverModel model;
    private final ArticleIndex index;
    private final RetrievalProperties properties;
    private volatile Checked checked;
    private volatile String loggedReason = "";

    private final DenseTimings timings = new DenseTimings(4096);

    public DenseSearch(ActiveRetrieverModel model, ArticleIndex index, RetrievalProperties properties) {
        this.model = model;
        this.index = index;
        this.properties = properties;
    }

    /** Whether dense retrieval can answer (cached for a few seconds). */
    public Availability availability() {
        Checked c = checked;
        if (c != null && System.nanoTime() - c.at() < (c.availability().temporary() ? TEMPORARY_RECHECK_NANOS : RECHECK_NANOS)
                && java.util.Objects.equals(c.availability().model(), model.activeId().orElse(null))) {
            return c.availability();
        }
        Availability a = check();
        checked = new Checked(a, System.nanoTime());
        return a;
    }

    /** Forgets the cached availability (after an activation or an embedding pass). */
    public void invalidate() {
        checked = null;
    }

    private Availability check() {
        Optional<String> id = model.activeId();
        if (id.isEmpty()) {
            return new Availability(null, 0, 0, model.absence() == null ? "no retriever model is active" : model.absence());
        }
        long articles;
        long vectors;
        try {
            articles = index.count();
            vectors = index.countVectors(id.get());
        } catch (RuntimeException e) {
            return new Availability(id.get(), 0, 0, "temporarily BM25 only: Elasticsearch did not answer while counting the "
                    + "index's vectors (" + e.getMessage() + ")", true);
        }
        if (articles == 0) {
            return new Availability(id.get(), vectors, articles, "the article index is empty");
        }
        if (vectors < articles) {
            return new Availability(id.get(), vectors, articles, String.format(
                    "the vectors of retriever model %s cover %d of %d articles (an embedding pass completes them)",
                    id.get(), vectors, articles));
        }
        return new Availability(id.get(), vectors, articles, null);
    }

    /**
     * The mode that answers a request for {@code requested}: itself, or BM25 while dense retrieval
     * cannot answer (logged when that starts and when it ends).
     */
    public Mode effectiveMode(Mode requested) {
        if (requested == Mode.BM25) {
            return Mode.BM25;
        }
        Availability a = availability();
        String reason = a.usable() ? null : a.reason();
        String previous = loggedReason;
        if (!java.util.Objects.equals(reason, previous)) {
            loggedReason = reason;
            if (reason != null) {
                log.info("Dense retrieval cannot answer, so retrieval is BM25 only until it can: {}", reason);
            } else if (previous != null && !previous.isEmpty()) {
                log.info("Dense retrieval answers again: model {} over {} articles", a.model(), a.articles());
            }
        }
        return a.usable() ? requested : Mode.BM25;
    }

    /**
     * The {@code k} current articles nearest the question (with the user's earlier turns), scored by
     * cosine similarity; empty when no model is active or the model knows none of the question's units.
     */
    public List<ScoredArticle> nearest(String question, List<String> earlierQuestions, int k) {
        Optional<ActiveRetrieverModel.Lease> lease = model.acquire();
        if (lease.isEmpty()) {
            return List.of();
        }
        try (ActiveRetrieverModel.Lease held = lease.get()) {
            long started = System.nanoTime();
            String text = DenseEncoder.queryText(question, earlierQuestions);
            Double weight = properties.dense().pretrainedWeight();
            float[] vector = weight == null ? held.encoder().encodeQuery(text) : held.encoder().encodeQuery(text, weight);
            if (norm(vector) < 0.5) {
                return List.of();
            }
            long encoded = System.nanoTime();
            ArticleIndex.Knn knn = index.knn(vector, held.id(), k, properties.dense().numCandidates());
            timings.add((encoded - started) / 1e6, (System.nanoTime() - encoded) / 1e6, knn.tookMs());
            return knn.hits();
        } catch (ElasticsearchException e) {
            // e.g. the alias now points at a fresh index without vectors: answer with BM25 until that is fixed
            log.warn("Dense search failed, answering with BM25 only: {}", e.getMessage());
            invalidate();
            return List.of();
        }
    }

    /** Where the recent searches' time went: question encoding, the kNN request, and Elasticsearch's own part of it. */
    public DenseTimings timings() {
        return timings;
    }

    static double norm(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }
}
