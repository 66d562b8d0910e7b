package com.lawyerllama.retrieval;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.system.ServiceUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Whether the article index can answer searches, and the first-start import: when the index is
 * empty and {@code lawyer.corpus.path} names a corpus, the corpus is imported in the background
 * at start-up; until that import completes, searches answer 503 with Retry-After. Also the
 * {@code statuteIndex} health component (documents, alias, import progress).
 */
@Component("statuteIndex")
public class ArticleIndexStatus implements HealthIndicator {
    private static final Logger log = LoggerFactory.getLogger(ArticleIndexStatus.class);
    static final int RETRY_AFTER_SECONDS = 30;

    private final ArticleIndex index;
    private final ImportJobs jobs;
    private final ElasticsearchStatus elasticsearch;
    private final Optional<Path> corpus;
    private volatile String firstImportJob;
    private volatile long documents = -1;

    public ArticleIndexStatus(ArticleIndex index, ImportJobs jobs, ElasticsearchStatus elasticsearch,
                              @Value("${lawyer.corpus.path:}") String corpusPath) {
        this.index = index;
        this.jobs = jobs;
        this.elasticsearch = elasticsearch;
        this.corpus = corpusPath == null || corpusPath.isBlank() ? Optional.empty() : Optional.of(Path.of(corpusPath));
    }

    @EventListener(ApplicationReadyEvent.class)
    public void importOnFirstStart() {
        if (corpus.isEmpty()) {
            return;
        }
        Thread starter = new Thread(this::awaitElasticsearchThenImport, "first-start-import");
        starter.setDaemon(true);
        starter.start();
    }

    private void awaitElasticsearchThenImport() {
        try {
            while (!elasticsearch.refresh().up()) {
                Thread.sleep(2000);
            }
            long count = index.count();
            documents = count;
            if (count > 0) {
                return;
            }
            if (!Files.isDirectory(corpus.get())) {
                log.error("lawyer.corpus.path {} is not a directory; the article index stays empty", corpus.get());
                return;
            }
            log.info("The article index is empty: importing {} in the background", corpus.get());
            firstImportJob = jobs.start(corpus.get(), false).id();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("First-start import could not begin: {}", e.getMessage());
        }
    }

    /** The first-start import job while it is still queued or running. */
    public Optional<ImportJob> firstImportInProgress() {
        String id = firstImportJob;
        return id == null ? Optional.empty() : jobs.get(id).filter(j -> !j.finished());
    }

    /** @throws ServiceUnavailableException while Elasticsearch is down or the first import runs */
    public void requireSearchable() {
        elasticsearch.requireAvailable();
        firstImportInProgress().ifPresent(job -> {
            throw new ServiceUnavailableException(String.format(
                    "the statute index is being built (%.0f%% of %d articles written); try again shortly",
                    job.progress() * 100, job.articlesToWrite()), RETRY_AFTER_SECONDS);
        });
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("alias", index.alias());
        corpus.ifPresent(c -> details.put("corpus", c.toString()));
        Optional<ImportJob> importing = firstImportInProgress().or(jobs::active);
        importing.ifPresent(job -> {
            details.put("import", job.id());
            details.put("importState", job.state());
            details.put("importProgress", Math.round(job.progress() * 1000) / 10.0 + "%");
        });
        if (!elasticsearch.isUp()) {
            return Health.unknown().withDetails(details).withDetail("reason", "Elasticsearch is unavailable").build();
        }
        try {
            documents = index.count();
            details.put("documents", documents);
            index.currentIndex().ifPresent(i -> details.put("index", i));
        } catch (RuntimeException e) {
            return Health.unknown().withDetails(details).withDetail("reason", e.getMessage()).build();
        }
        // An empty or building index does not make the service unhealthy: consultation reports it per request.
        return Health.up().withDetails(details).build();
    }
}
