package com.lawyerllama.evaluation;

import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import com.lawyerllama.system.DurableJobs;
import jakarta.annotation.PreDestroy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Ad-hoc evaluations of any checkpoint as background jobs, one at a time, stored under
 * {@code <data-dir>/evaluations/} like corpus imports and embedding passes. One that was queued or
 * running when the service stopped is marked {@code interrupted}; submitting it again reruns it
 * (an evaluation writes nothing but its record, so a rerun is always safe).
 */
@Component
public class EvaluationJobs {
    private static final Logger log = LoggerFactory.getLogger(EvaluationJobs.class);
    /** Longest sequence the scorer uses (capped by the model's own). */
    static final int CONTEXT = 4096;

    private final Path dataRoot;
    private final DurableJobs<EvaluationJob> jobs;
    private final Set<String> cancelRequested = ConcurrentHashMap.newKeySet();

    public EvaluationJobs(DataDirectory dataDirectory, @Value("${lawyer.training.data-root:../shared/data}") String dataRoot) {
        this.dataRoot = Path.of(dataRoot).toAbsolutePath().normalize();
        this.jobs = new DurableJobs<>(dataDirectory.resolve("evaluations"), EvaluationJob.class, "evaluation",
                job -> job.with(EvaluationJob.INTERRUPTED, job.report(),
                        "the service stopped during this evaluation; submit it again to rerun it"));
    }

    /** Queues an evaluation of {@code checkpoint} (a model directory); bad options are a 400. */
    public EvaluationJob submit(Path checkpoint, ModelEvaluation.Options options) {
        validate(options);
        Instant now = Instant.now();
        EvaluationJob queued = new EvaluationJob(UUID.randomUUID().toString(), EvaluationJob.QUEUED, now, now,
                checkpoint.toString(), options.tasks(), options.limit(), null, 0, 0, null, null);
        return jobs.submit(queued, (job, progress) -> run(job, options, progress));
    }

    /** Unknown task or limit out of range: a 400 that says which. */
    public void validate(ModelEvaluation.Options options) {
        try {
            options.validate();
        } catch (EvaluationException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    public Optional<EvaluationJob> get(String id) {
        return jobs.get(id);
    }

    /** Newest first. */
    public List<EvaluationJob> list() {
        return jobs.list();
    }

    /** Asks a queued or running evaluation to stop (it ends {@code cancelled}); 404 unknown, 409 already finished. */
    public EvaluationJob cancel(String id) {
        EvaluationJob job = jobs.get(id).orElseThrow(() -> ApiException.notFound("no evaluation " + id));
        if (job.finished()) {
            throw ApiException.conflict("evaluation " + id + " already " + job.state());
        }
        cancelRequested.add(id);
        return job;
    }

    private EvaluationJob run(EvaluationJob queued, ModelEvaluation.Options options, Consumer<EvaluationJob> progress) {
        if (cancelRequested.remove(queued.id())) {
            return queued.with(EvaluationJob.CANCELLED, null, "cancelled before it started");
        }
        EvaluationJob[] job = {queued.with(EvaluationJob.RUNNING, null, null)};
        progress.accept(job[0]);
        long[] lastSaved = {0};
        try (LogLikelihoodScorer scorer = LogLikelihoodScorer.load(Path.of(queued.checkpoint()), CONTEXT)) {
            ModelEvaluation.Report report = ModelEvaluation.run(scorer, queued.checkpoint(), dataRoot, options, null,
                    (task, done, total) -> {
                        job[0] = job[0].progress(task, done, total);
                        long now = System.nanoTime();
                        if (done == total || now - lastSaved[0] > 1_000_000_000L) {
                            lastSaved[0] = now;
                            progress.accept(job[0]);
                        }
                    },
                    () -> cancelRequested.contains(queued.id()) || Thread.currentThread().isInterrupted());
            if (Thread.currentThread().isInterrupted() && !cancelRequested.contains(queued.id())) {
                return job[0].with(EvaluationJob.INTERRUPTED, report, "the service stopped during this evaluation");
            }
            job[0] = report.cancelled() ? job[0].with(EvaluationJob.CANCELLED, report, "cancelled")
                    : job[0].with(EvaluationJob.SUCCEEDED, report, null);
        } catch (RuntimeException e) {
            log.error("Evaluation {} failed: {}", queued.id(), e.getMessage());
            job[0] = job[0].with(EvaluationJob.FAILED, null, e.getMessage());
        } finally {
            cancelRequested.remove(queued.id());
        }
        return job[0];
    }

    @PreDestroy
    public void close() {
        jobs.close();
    }
}
