package com.lawyerllama.training;

import com.lawyerllama.evaluation.EvaluationJob;
import com.lawyerllama.evaluation.EvaluationJobs;
import com.lawyerllama.evaluation.ModelEvaluation;
import com.lawyerllama.system.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/evaluations}: the stage evaluations of every training run (a plan stage's
 * {@code evaluate}) and ad-hoc evaluations of any checkpoint, run as durable jobs
 * ({@link EvaluationJobs}).
 */
@RestController
@RequestMapping("/admin/evaluations")
public class EvaluationController {
    private static final int MAX_TASKS = 16;

    private final TrainingRuns runs;
    private final EvaluationJobs jobs;

    public EvaluationController(TrainingRuns runs, EvaluationJobs jobs) {
        this.runs = runs;
        this.jobs = jobs;
    }

    /** {@code stages}: one entry per run stage that was evaluated (oldest run first); {@code jobs}: ad-hoc ones, newest first. */
    @GetMapping
    public Map<String, Object> list() {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (RunStatus run : runs.list()) {
            for (RunStatus.StageEvaluation e : run.evaluations) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("runId", run.id);
                m.put("planName", run.planName);
                m.put("stage", e.stage());
                m.put("checkpoint", e.checkpoint());
                m.put("report", e.report());
                stages.add(m);
            }
        }
        return Map.of("stages", stages, "jobs", jobs.list());
    }

    /** {@code {"checkpoint": "RUN/NAME" | "/abs/dir", "tasks": ["sst2", …], "limit": N}}: 202 with the queued job. */
    @PostMapping
    public ResponseEntity<EvaluationJob> start(@RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("give {\"checkpoint\": \"RUN/NAME\", \"tasks\": [\"sst2\"], \"limit\": 100}");
        }
        JsonNode checkpointNode = body.path("checkpoint");
        if (!checkpointNode.isString() || checkpointNode.asString().isBlank() || checkpointNode.asString().length() > 1000) {
            throw ApiException.badRequest("checkpoint must be RUN/NAME (as GET /admin/checkpoints lists) or an absolute directory");
        }
        String ref = checkpointNode.asString();
        Path dir;
        try {
            dir = runs.resolveCheckpoint(ref);
        } catch (java.nio.file.InvalidPathException e) {
            throw ApiException.badRequest("checkpoint is not a path: " + e.getMessage());
        }
        JsonNode tasksNode = body.path("tasks");
        if (!tasksNode.isArray() || tasksNode.isEmpty() || tasksNode.size() > MAX_TASKS) {
            throw ApiException.badRequest("tasks must be a list of 1 to " + MAX_TASKS + " task names");
        }
        List<String> tasks = new ArrayList<>();
        for (JsonNode t : tasksNode) {
            if (!t.isString()) {
                throw ApiException.badRequest("tasks must be task names (strings), got " + t);
            }
            tasks.add(t.asString());
        }
        JsonNode limitNode = body.path("limit");
        Integer limit = null;
        if (!limitNode.isMissingNode() && !limitNode.isNull()) {
            if (!limitNode.isIntegralNumber() || !limitNode.canConvertToInt()) {
                throw ApiException.badRequest("limit must be a whole number between 1 and " + ModelEvaluation.MAX_LIMIT);
            }
            limit = limitNode.asInt();
        }
        ModelEvaluation.Options options = new ModelEvaluation.Options(tasks, limit, 0, false);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            // Validate the options first, so a request with both problems names the one it can fix in place.
            jobs.validate(options);
            throw ApiException.notFound("no checkpoint at " + ref + " (expected a model directory with config.json)")
                    .with("checkpoint", ref);
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(jobs.submit(dir, options));
    }

    @GetMapping("/{id}")
    public EvaluationJob get(@PathVariable String id) {
        return jobs.get(id).orElseThrow(() -> ApiException.notFound("no evaluation " + id));
    }

    @PostMapping("/{id}/cancel")
    public EvaluationJob cancel(@PathVariable String id) {
        return jobs.cancel(id);
    }
}
