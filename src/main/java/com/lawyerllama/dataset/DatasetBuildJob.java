package com.lawyerllama.dataset;

import com.lawyerllama.system.DurableJobs;
import java.time.Instant;

/**
 * A dataset build as the admin API shows it and as it is stored on disk (never with an API key).
 *
 * @param settings   what the build does (files, kind, gate, pace)
 * @param teacherBaseUrl the teacher's endpoint
 * @param teacherModel   the model asked there
 * @param resumable  the teacher's key (if any) is the configured one, so the service continues the
 *                   build by itself after a restart; a build with a key given in its request is
 *                   marked interrupted instead, and posting it again continues it
 * @param state      queued, running, succeeded, failed, cancelled, or interrupted (the service stopped during it)
 * @param report     progress so far, or the final report
 * @param error      why it failed or where it stopped
 */
public record DatasetBuildJob(String id, BuildSettings settings, String teacherBaseUrl, String teacherModel, boolean resumable, String state,
                              Instant createdAt, Instant updatedAt, BuildReport report, String error)
        implements DurableJobs.Job {

    public static final String CANCELLED = "cancelled";

    DatasetBuildJob with(String newState, BuildReport newReport, String newError) {
        return new DatasetBuildJob(id, settings, teacherBaseUrl, teacherModel, resumable, newState, createdAt, Instant.now(), newReport, newError);
    }
}
