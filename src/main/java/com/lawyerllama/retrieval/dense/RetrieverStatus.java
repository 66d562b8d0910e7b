package com.lawyerllama.retrieval.dense;

import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.retrieval.RetrievalProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code retriever} health component and info entry: the configured retrieval mode and the
 * mode that answers now, the active retriever model, how many articles carry its vectors and how
 * the index's vector field is searched, the embedding pass in progress, and where the latest dense
 * searches' time went. UP when the configured mode answers, UNKNOWN while retrieval falls back to
 * BM25 (which never makes the service unhealthy).
 */
@Component("retriever")
public class RetrieverStatus implements HealthIndicator, InfoContributor {
    /** How many of the latest dense searches {@code recentSearches} summarises. */
    static final int RECENT_SEARCHES = 1000;
    private final ActiveRetrieverModel model;
    private final DenseSearch dense;
    private final EmbeddingJobs jobs;
    private final RetrievalProperties properties;
    private final ArticleIndex index;

    public RetrieverStatus(ActiveRetrieverModel model, DenseSearch dense, EmbeddingJobs jobs, RetrievalProperties properties,
                           ArticleIndex index) {
        this.model = model;
        this.dense = dense;
        this.jobs = jobs;
        this.index = index;
        this.properties = properties;
    }

    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        RetrievalProperties.Mode configured = properties.mode();
        d.put("mode", configured.label());
        DenseSearch.Availability availability = dense.availability();
        RetrievalProperties.Mode answering = configured == RetrievalProperties.Mode.BM25 || !availability.usable()
                ? RetrievalProperties.Mode.BM25 : configured;
        d.put("answering", answering.label());
        if (!availability.usable()) {
            d.put("reason", availability.reason());
            if (availability.temporary()) {
                d.put("temporary", true);
            }
        }
        d.put("model", model.describe());
        if (availability.model() != null) {
            d.put("vectors", availability.vectors());
            d.put("articles", availability.articles());
            vectorField().ifPresent(field -> d.put("vectorField", field));
        }
        DenseTimings.Summary recent = dense.timings().latest(RECENT_SEARCHES);
        if (recent.searches() > 0) {
            d.put("recentSearches", recent);
        }
        jobs.active().or(() -> jobs.list().stream().findFirst()).ifPresent(job -> {
            Map<String, Object> embedding = new LinkedHashMap<>();
            embedding.put("id", job.id());
            embedding.put("model", job.model());
            embedding.put("state", job.state());
            if (job.report() != null) {
                embedding.put("progress", Math.round(job.report().progress() * 1000) / 10.0 + "%");
                embedding.put("articlesPerSecond", job.report().articlesPerSecond());
            }
            if (job.error() != null) {
                embedding.put("error", job.error());
            }
            d.put("embedding", embedding);
        });
        return d;
    }

    @Override
    public Health health() {
        Map<String, Object> details = describe();
        boolean configuredAnswers = details.get("mode").equals(details.get("answering"));
        return (configuredAnswers ? Health.up() : Health.unknown()).withDetails(details).build();
    }

    @Override
    public void contribute(Info.Builder builder) {
        builder.withDetail("retriever", describe());
    }

    /** The current index's vector field; absent when there is none or Elasticsearch does not answer. */
    private Optional<ArticleIndex.VectorField> vectorField() {
        try {
            return index.currentIndex().flatMap(index::vectorField);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
