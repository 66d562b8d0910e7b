package com.lawyerllama.training;

import com.lawyerllama.system.ApiException;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/training/runs}: start a run ({@code {"plan": {…}} or {"planName": "tiny"}}, plus
 * {@code "base"}), list and inspect runs, follow one as server-sent events, cancel one.
 */
@RestController
@RequestMapping("/admin/training/runs")
public class TrainingController {
    private final TrainingRuns runs;
    private final LocalEngineRequired localEngine;

    public TrainingController(TrainingRuns runs, LocalEngineRequired localEngine) {
        this.runs = runs;
        this.localEngine = localEngine;
    }

    @PostMapping
    public ResponseEntity<RunStatus> start(@RequestBody JsonNode body) {
        localEngine.check("training");
        TrainingPlan plan;
        try {
            if (body.hasNonNull("plan")) {
                plan = TrainingPlan.fromJson(body.get("plan"));
            } else if (body.hasNonNull("planName")) {
                plan = TrainingPlan.builtIn(body.get("planName").asString());
                if (plan == null) {
                    throw ApiException.badRequest("no built-in plan named '" + body.get("planName").asString() + "' (built in: tiny, default, default-model, retriever, retriever-bge, retriever-distil)")
                            .with("problems", List.of("planName: unknown plan " + body.get("planName").asString()));
                }
            } else {
                throw ApiException.badRequest("give a plan as \"plan\": {…} or \"planName\": \"tiny\"")
                        .with("problems", List.of("plan: missing"));
            }
        } catch (tools.jackson.core.JacksonException e) {
            throw ApiException.badRequest("the plan is not well-formed: " + e.getOriginalMessage())
                    .with("problems", List.of("plan: " + e.getOriginalMessage()));
        }
        BaseModel base;
        try {
            base = BaseModel.fromJson(body.get("base"));
        } catch (tools.jackson.core.JacksonException e) {
            throw ApiException.badRequest("the base is not well-formed: " + e.getOriginalMessage())
                    .with("problems", List.of("base: " + e.getOriginalMessage()));
        }
        List<String> problems = runs.validate(plan, base);
        if (!problems.isEmpty()) {
            throw ApiException.badRequest("the plan cannot run: " + problems.size() + " problem(s)").with("problems", problems);
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(runs.submit(plan, base));
    }

    @GetMapping
    public List<RunStatus> list() {
        return runs.list();
    }

    @GetMapping("/{id}")
    public RunStatus get(@PathVariable String id) {
        return require(id);
    }

    @PostMapping("/{id}/cancel")
    public RunStatus cancel(@PathVariable String id) {
        require(id);
        try {
            return runs.cancel(id);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }

    /** Server-sent events: {@code state} first, then {@code stage}, {@code step}, {@code validation}, {@code checkpoint} as they happen. */
    @GetMapping(path = "/{id}/events", produces = "text/event-stream")
    public SseEmitter events(@PathVariable String id) throws IOException {
        RunStatus status = require(id);
        SseEmitter emitter = new SseEmitter(0L);
        TrainingRun.Listener listener = new TrainingRun.Listener() {
            @Override
            public void onEvent(String type, Object data) {
                try {
                    emitter.send(SseEmitter.event().name(type).data(data));
                    if (type.equals("state") && data instanceof RunStatus s && s.ended()) {
                        emitter.complete();
                    }
                } catch (IOException | IllegalStateException e) {
                    throw new IllegalStateException("subscriber gone", e);
                }
            }
        };
        emitter.onCompletion(() -> runs.unsubscribe(id, listener));
        emitter.onTimeout(() -> runs.unsubscribe(id, listener));
        emitter.onError(e -> runs.unsubscribe(id, listener));
        emitter.send(SseEmitter.event().name("state").data(status));
        if (status.ended()) {
            emitter.complete();
        } else {
            runs.subscribe(id, listener);
        }
        return emitter;
    }

    private RunStatus require(String id) {
        RunStatus s = runs.get(id);
        if (s == null) {
            throw ApiException.notFound("no training run " + id).with("run", id);
        }
        return s;
    }
}
