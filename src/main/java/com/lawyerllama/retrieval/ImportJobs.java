package com.lawyerllama.retrieval;

import com.lawyerllama.law.ReadProblem;
import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asynchronous corpus imports, one at a time. Each job's state is written to
 * {@code <data-dir>/imports/<id>.json} after every bulk request, so after a restart the admin
 * sees how far an import got; a job that was running then is marked interrupted (rerunning the
 * import finishes it: ids are stable and unchanged articles are no-ops).
 */
@Component
public class ImportJobs {
    private static final Logger log = LoggerFactory.getLogger(ImportJobs.class);
    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final CorpusImporter importer;
    private final Path dir;
    private final Map<String, ImportJob> jobs = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "corpus-import");
        t.setDaemon(true);
        return t;
    });

    public ImportJobs(CorpusImporter importer, DataDirectory dataDirectory) {
        this.importer = importer;
        this.dir = dataDirectory.resolve("imports");
        loadStored();
    }

    /** Queues an import of {@code corpus}; 409 while another import is queued or running. */
    public synchronized ImportJob start(Path corpus, boolean reindex) {
        Optional<ImportJob> active = jobs.values().stream().filter(j -> !j.finished()).findFirst();
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
        save(job);
        worker.submit(() -> run(job, corpus));
        return job;
    }

    public Optional<ImportJob> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public List<ImportJob> list() {
        return jobs.values().stream().sorted(Comparator.comparing(ImportJob::createdAt).reversed()).toList();
    }

    /** The job that is queued or running, if any. */
    public Optional<ImportJob> active() {
        return jobs.values().stream().filter(j -> !j.finished()).findFirst();
    }

    private void run(ImportJob queued, Path corpus) {
        ImportJob[] job = {queued.with(ImportJob.RUNNING, null, null)};
        save(job[0]);
        log.info("Import {} of {} started", job[0].id(), corpus);
        try {
            ImportReport report = importer.importCorpus(corpus, queued.reindex(), new CorpusImporter.Listener() {
                @Override
                public void onRead(int files, int articles, List<ReadProblem> problems) {
                    job[0] = job[0].with(ImportJob.RUNNING,
                            ImportReport.start(corpus.toString(), "", files, articles, 0, problems), null);
                    save(job[0]);
                }

                @Override
                public void onProgress(ImportReport soFar) {
                    job[0] = job[0].with(ImportJob.RUNNING, soFar, null);
                    save(job[0]);
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
        save(job[0]);
    }

    private void save(ImportJob job) {
        jobs.put(job.id(), job);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(job.id() + ".json.tmp");
            Files.writeString(tmp, JSON.writeValueAsString(job));
            Files.move(tmp, dir.resolve(job.id() + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("Could not store the state of import {}: {}", job.id(), e.getMessage());
        }
    }

    private void loadStored() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    ImportJob job = JSON.readValue(file.toFile(), ImportJob.class);
                    if (!job.finished()) {
                        String where = job.report() == null ? "before any article was written"
                                : "after " + job.report().processed() + " of " + job.report().articles()
                                + " articles (last written: " + job.report().lastArticleId() + ")";
                        job = job.with(ImportJob.INTERRUPTED, job.report(),
                                "the service stopped during this import, " + where + "; run the import again to finish it");
                        save(job);
                    }
                    jobs.put(job.id(), job);
                } catch (RuntimeException e) {
                    log.warn("Ignoring unreadable import state {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
