package com.lawyerllama.training;

import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.ModelFormatException;
import com.lawyerllama.system.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /admin/model/activate {"checkpoint": "RUN/NAME" | "/abs/dir"}}: serves a checkpoint
 * from now on, without downtime ({@link LlamaEngine#activate}: requests in flight finish on the
 * previous model). {@code RUN/NAME} names a checkpoint as {@code GET /admin/checkpoints} lists it.
 */
@RestController
public class ModelActivationController {
    private final LlamaEngine engine;
    private final TrainingRuns runs;

    private final LocalEngineRequired localEngine;

    public ModelActivationController(LlamaEngine engine, TrainingRuns runs, LocalEngineRequired localEngine) {
        this.engine = engine;
        this.runs = runs;
        this.localEngine = localEngine;
    }

    @PostMapping("/admin/model/activate")
    public Map<String, Object> activate(@RequestBody JsonNode body) {
        localEngine.check("activating a checkpoint");
        String ref = body.path("checkpoint").asString("");
        if (ref.isBlank()) {
            throw ApiException.badRequest("give the checkpoint to serve as {\"checkpoint\": \"RUN/NAME\"} or an absolute directory");
        }
        Path dir = Path.of(ref).isAbsolute() ? Path.of(ref) : resolveNamed(ref);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw ApiException.notFound("no checkpoint at " + ref + " (expected a model directory with config.json)").with("checkpoint", ref);
        }
        try {
            engine.activate(dir);
        } catch (IOException | ModelFormatException e) {
            throw ApiException.badRequest("cannot load " + dir + ": " + e.getMessage()).with("checkpoint", ref);
        }
        return engine.describe();
    }

    private Path resolveNamed(String ref) {
        String[] parts = ref.split("/");
        if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9_.-]+") || !parts[1].matches("[A-Za-z0-9_.-]+")
                || parts[1].startsWith(".")) {
            throw ApiException.badRequest("checkpoint must be RUN/NAME (as GET /admin/checkpoints lists) or an absolute directory, got " + ref);
        }
        return runs.runsDir().resolve(parts[0]).resolve("checkpoints").resolve(parts[1]);
    }
}
