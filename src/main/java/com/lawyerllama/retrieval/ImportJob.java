package com.lawyerllama.retrieval;

import com.lawyerllama.system.DurableJobs;
import java.time.Instant;

/**
 * An import job as the admin API shows it and as it is stored on disk.
 *
 * @param state  queued, running, succeeded, failed, or interrupted (the service stopped during it;
 *               running the import again finishes it)
 * @param report progress so far, or the final report
 * @param error  why it failed or where it stopped
 */
public record ImportJob(String id, String corpus, boolean reindex, String state, Instant createdAt,
                        Instant updatedAt, ImportReport report, String error) implements DurableJobs.Job {

    ImportJob with(String newState, ImportReport newReport, String newError) {
        return new ImportJob(id, corpus, reindex, newState, createdAt, Instant.now(), newReport, newError);
    }

    /** Fraction of articles written, 0..1 (0 before the corpus has been read). */
    public double progress() {
        return report == null || articlesToWrite() == 0 ? 0 : (double) report.processed() / articlesToWrite();
    }

    /** Distinct articles the import writes (before they are known: the articles read). */
    public int articlesToWrite() {
        return report == null ? 0 : report.articles() > 0 ? report.articles() : report.articlesRead();
    }
}
