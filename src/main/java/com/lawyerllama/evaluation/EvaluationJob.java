package com.lawyerllama.evaluation;

import com.lawyerllama.system.DurableJobs;
import java.time.Instant;
import java.util.List;

/**
 * An ad-hoc evaluation of one checkpoint ({@code POST /admin/evaluations}), as its job record:
 * stored whenever it changes, so its progress and report survive a restart.
 *
 * @param checkpoint the model directory evaluated
 * @param task       the task being scored (while running)
 * @param done       items of that task scored so far
 * @param total      items of that task to score
 * @param report     the finished report (also a cancelled run's partial one), else null
 */
public record EvaluationJob(String id, String state, Instant createdAt, Instant updatedAt, String checkpoint,
                            List<String> tasks, Integer limit, String task, int done, int total,
                            ModelEvaluation.Report report, String error) implements DurableJobs.Job {
    public static final String CANCELLED = "cancelled";

    public EvaluationJob {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    EvaluationJob with(String newState, ModelEvaluation.Report newReport, String newError) {
        return new EvaluationJob(id, newState, createdAt, Instant.now(), checkpoint, tasks, limit, task, done, total,
                newReport, newError);
    }

    EvaluationJob progress(String newTask, int newDone, int newTotal) {
        return new EvaluationJob(id, state, createdAt, Instant.now(), checkpoint, tasks, limit, newTask, newDone, newTotal,
                report, error);
    }
}
