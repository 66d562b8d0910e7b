package com.lawyerllama.retrieval.dense;

import com.lawyerllama.system.DurableJobs;
import java.time.Instant;

/**
 * An embedding job as the admin API shows it and as it is stored on disk.
 *
 * @param model     the id of the retriever model whose vectors it computes
 * @param modelPath that model's directory
 * @param state     queued, running, succeeded, failed, cancelled (another model was activated first) or
 *                  interrupted (the service stopped during it; the next pass finishes it)
 * @param report    progress so far, or the final report
 * @param error     why it failed or stopped
 */
public record EmbedJob(String id, String model, String modelPath, String state, Instant createdAt, Instant updatedAt,
                       EmbedReport report, String error) implements DurableJobs.Job {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    public static final String INTERRUPTED = "interrupted";

    EmbedJob with(String newState, EmbedReport newReport, String newError) {
        return new EmbedJob(id, model, modelPath, newState, createdAt, Instant.now(), newReport, newError);
    }

    @Override
    public boolean finished() {
        return !QUEUED.equals(state) && !RUNNING.equals(state);
    }
}
