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

    /** Another model was activated before the pass ran (the other states: {@link DurableJobs.Job}). */
    public static final String CANCELLED = "cancelled";

    EmbedJob with(String newState, EmbedReport newReport, String newError) {
        return new EmbedJob(id, model, modelPath, newState, createdAt, Instant.now(), newReport, newError);
    }
}
