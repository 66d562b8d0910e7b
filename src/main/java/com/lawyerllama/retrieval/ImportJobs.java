package com.lawyerllama.retrieval;

import com.lawyerllama.law.ReadProblem;
import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import com.lawyerllama.system.DurableJobs;
import jakarta.annotation.PreDestroy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Asynchronous corpus imports, one at a time. Each job's state is written to
 * {@code <data-dir>/imports/<id>.json} after every bulk request, so after a restart the admin
 * sees how far an import got; a job that was running then is marked interrupted (rerunning the
 * import finishes it: ids are stable and unchanged articles are no-ops). A finished import is
 * announced as {@link ArticlesImported} (the dense retriever embeds what changed).
 */
@Component
public class ImportJobs {
    private static final Logger log = LoggerFactory.getLogger(ImportJobs.class);

    /** Published after an import job wrote to the index (whether or not it succeeded). */
    public record ArticlesImported(ImportJob job) {
    }

    private final CorpusImporter importer;
    private final ApplicationEventPublisher events;
    private final DurableJobs<ImportJob> jobs;

    public ImportJobs(CorpusImporter importer, DataDirectory dataDirectory, ApplicationEventPublisher events) {
        this.importer = importer;
        this.events = events;
        this.jobs = new DurableJobs<>(dataDirectory.resolve("imports"), ImportJob.class, "corpus-import", ImportJobs::interrupted);
    }

    /** Queues an import of {@code corpus}; 409 while another import is queued or running. */
    public synchronized ImportJob start(Path corpus, boolean reindex) {
        Optional<ImportJob> active = jobs.active();
        if (active.isPresent()) {
            throw ApiException.conflict("an import is already " + active.get().state() + ": " + active.get().id())
                    .with("jobId", active.get().id());
        }
        if (!Files.isDirectory(corpus)) {
            throw ApiException.badRequest("corpus directory not found on the server: " + corpus);
        }
        Instant now = Instant.now();
        ImportJob job = new ImportJob(UUID.randomUUID().toString(), corpus.toString(), reindex, ImportJob.QUEUED,
                now, now, null, null);
        return jobs.submit(job, (queued, progress) -> run(queued, corpus, progress));
    }

    public Optional<ImportJob> get(String id) {
        return jobs.get(id);
    }

    public List<ImportJob> list() {
        return jobs.list();
    }

    /** The job that is queued or running, if any. */
    public Optional<ImportJob> active() {
        return jobs.active();
    }

    private ImportJob run(ImportJob queued, Path corpus, Consumer<ImportJob> progress) {
        ImportJob[] job = {queued.with(ImportJob.RUNNING, null, null)};
        progress.accept(job[0]);
        log.info("Import {} of {} started", job[0].id(), corpus);
        try {
            ImportReport report = importer.importCorpus(corpus, queued.reindex(), new CorpusImporter.Listener() {
                @Override
                public void onRead(int files, int articles, List<ReadProblem> problems) {
                    job[0] = job[0].with(ImportJob.RUNNING,
                            ImportReport.start(corpus.toString(), "", files, articles, 0, problems), null);
                    progress.accept(job[0]);
                }

                @Override
                public void onProgress(ImportReport soFar) {
                    job[0] = job[0].with(ImportJob.RUNNING, soFar, null);
                    progress.accept(job[0]);
                }
            });
            job[0] = job[0].with(ImportJob.SUCCEEDED, report, null);
            log.info("Import {} finished: {}", job[0].id(), report.summary());
        } catch (CorpusImporter.ImportInterruptedException e) {
            job[0] = job[0].with(ImportJob.FAILED, e.report(), e.getMessage());
            log.error("Import {} failed: {}", job[0].id(), e.getMessage());
        } catch (RuntimeException e) {
            job[0] = job[0].with(ImportJob.FAILED, job[0].report(), e.getMessage());
            log.error("Import {} failed: {}", job[0].id(), e.getMessage());
        }
        progress.accept(job[0]);
        if (job[0].report() != null && job[0].report().processed() > 0) {
            events.publishEvent(new ArticlesImported(job[0]));
        }
        return job[0];
    }

    private static ImportJob interrupted(ImportJob job) {
        String where = job.report() == null ? "before any article was written"
                : "after " + job.report().processed() + " of " + job.report().articles()
                + " articles (last written: " + job.report().lastArticleId() + ")";
        return job.with(ImportJob.INTERRUPTED, job.report(),
                "the service stopped during this import, " + where + "; run the import again to finish it");
    }

    @PreDestroy
    void stop() {
        jobs.close();
    }
}
