package com.lawyerllama.retrieval.dense;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.retrieval.ImportJobs;
import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import com.lawyerllama.system.DurableJobs;
import jakarta.annotation.PreDestroy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Embedding passes as background jobs, one at a time, stored under {@code <data-dir>/embeddings/}
 * like corpus imports. The service starts one by itself when the active model's vectors are
 * incomplete: at start-up, after a model is activated and after an import (not in the command-line
 * tools, which embed only when asked to). A pass for a model that stops being active before it ends
 * is cancelled; the new model's pass follows it.
 */
@Component
public class EmbeddingJobs {
    private static final Logger log = LoggerFactory.getLogger(EmbeddingJobs.class);

    private final ArticleEmbedder embedder;
    private final ActiveRetrieverModel model;
    private final DenseSearch dense;
    private final ElasticsearchStatus elasticsearch;
    private final boolean headless;
    private final DurableJobs<EmbedJob> jobs;

    public EmbeddingJobs(ArticleEmbedder embedder, ActiveRetrieverModel model, DenseSearch dense,
                         ElasticsearchStatus elasticsearch, DataDirectory dataDirectory,
                         @Value("${lawyer.headless:false}") boolean headless) {
        this.embedder = embedder;
        this.model = model;
        this.dense = dense;
        this.elasticsearch = elasticsearch;
        this.headless = headless;
        this.jobs = new DurableJobs<>(dataDirectory.resolve("embeddings"), EmbedJob.class, "embedding",
                job -> job.with(EmbedJob.INTERRUPTED, job.report(),
                        "the service stopped during this pass; the next pass for this model finishes it"));
    }

    /** Queues a pass for the active model; 409 when none is active or a pass for it is already queued or running. */
    public synchronized EmbedJob start() {
        String id = model.activeId().orElseThrow(() -> ApiException.conflict("no retriever model is active: "
                + model.absence() + "; activate one with POST /admin/retriever/activate"));
        Optional<EmbedJob> pending = pendingFor(id);
        if (pending.isPresent()) {
            throw ApiException.conflict("an embedding pass for model " + id + " is already " + pending.get().state()
                    + ": " + pending.get().id()).with("jobId", pending.get().id());
        }
        return queue(id);
    }

    /**
     * Queues a pass for the active model when some article lacks its vectors and no pass for it is
     * queued (one that is already running may have passed articles written since it began, so another
     * follows it); returns the pass that will complete them (empty when none is needed or no model is active).
     */
    public synchronized Optional<EmbedJob> startIfIncomplete() {
        dense.invalidate();
        Optional<String> id = model.activeId();
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<EmbedJob> queued = jobs.list().stream()
                .filter(j -> EmbedJob.QUEUED.equals(j.state()) && j.model().equals(id.get())).findFirst();
        if (queued.isPresent()) {
            return queued;
        }
        DenseSearch.Availability availability = dense.availability();
        if (availability.usable() || availability.articles() == 0) {
            return Optional.empty();
        }
        log.info("Embedding the article index with retriever model {}: {}", id.get(), availability.reason());
        return Optional.of(queue(id.get()));
    }

    private Optional<EmbedJob> pendingFor(String id) {
        return jobs.list().stream().filter(j -> !j.finished() && j.model().equals(id)).findFirst();
    }

    private EmbedJob queue(String id) {
        Instant now = Instant.now();
        String path = model.describe().getOrDefault("path", "").toString();
        return jobs.submit(new EmbedJob(UUID.randomUUID().toString(), id, path, EmbedJob.QUEUED, now, now, null, null),
                this::run);
    }

    public Optional<EmbedJob> get(String id) {
        return jobs.get(id);
    }

    public List<EmbedJob> list() {
        return jobs.list();
    }

    /** The pass that is queued or running, if any. */
    public Optional<EmbedJob> active() {
        return jobs.active();
    }

    private EmbedJob run(EmbedJob queued, Consumer<EmbedJob> progress) {
        Optional<ActiveRetrieverModel.Lease> lease = model.acquire();
        if (lease.isEmpty() || !lease.get().id().equals(queued.model())) {
            lease.ifPresent(ActiveRetrieverModel.Lease::close);
            return queued.with(EmbedJob.CANCELLED, null, "model " + queued.model() + " is no longer the active retriever model");
        }
        EmbedJob[] job = {queued.with(EmbedJob.RUNNING, null, null)};
        progress.accept(job[0]);
        try (ActiveRetrieverModel.Lease held = lease.get()) {
            EmbedReport report = embedder.embed(held.encoder(), new ArticleEmbedder.Listener() {
                @Override
                public void onProgress(EmbedReport soFar) {
                    job[0] = job[0].with(EmbedJob.RUNNING, soFar, null);
                    progress.accept(job[0]);
                }

                @Override
                public boolean stopRequested() {
                    return !model.activeId().map(queued.model()::equals).orElse(false);
                }
            });
            if (!model.activeId().map(queued.model()::equals).orElse(false)) {
                job[0] = job[0].with(EmbedJob.CANCELLED, report, "another retriever model was activated during this pass");
            } else {
                job[0] = job[0].with(report.failed() > 0 ? EmbedJob.FAILED : EmbedJob.SUCCEEDED, report,
                        report.failed() > 0 ? report.failed() + " articles failed (see the report's failures)" : null);
            }
            log.info("Embedding pass {} {}: {}", job[0].id(), job[0].state(), report.summary());
        } catch (ArticleEmbedder.EmbeddingInterruptedException e) {
            job[0] = job[0].with(EmbedJob.FAILED, e.report(), e.getMessage());
            log.error("Embedding pass {} failed: {}", job[0].id(), e.getMessage());
        } catch (RuntimeException e) {
            job[0] = job[0].with(EmbedJob.FAILED, job[0].report(), e.getMessage());
            log.error("Embedding pass {} failed: {}", job[0].id(), e.getMessage());
        }
        dense.invalidate();
        return job[0];
    }

    /** After an import wrote to the index, embed what it added or changed. */
    @EventListener
    public void onImport(ImportJobs.ArticlesImported event) {
        if (!headless) {
            startIfIncomplete();
        }
    }

    /** At start-up, once Elasticsearch answers, complete the active model's vectors if needed. */
    @EventListener(ApplicationReadyEvent.class)
    public void embedOnStart() {
        if (headless || model.activeId().isEmpty()) {
            return;
        }
        Thread starter = new Thread(() -> {
            try {
                while (!elasticsearch.refresh().up()) {
                    Thread.sleep(2000);
                }
                startIfIncomplete();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.error("Could not check the retriever model's vectors at start-up: {}", e.getMessage());
            }
        }, "embedding-on-start");
        starter.setDaemon(true);
        starter.start();
    }

    @PreDestroy
    void stop() {
        jobs.close();
    }
}
