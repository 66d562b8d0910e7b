package com.lawyerllama.training;

import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.ModelFormatException;
import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufFormatException;
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
 * {@code POST /admin/model/activate {"checkpoint": "RUN/NAME" | "/abs/dir" | "/abs/model.gguf"}}: serves a checkpoint
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
        Path dir = runs.resolveCheckpoint(ref);
        boolean gguf = GgufFile.isGguf(dir) && Files.isRegularFile(dir);
        if (!gguf && !Files.isRegularFile(dir.resolve("config.json"))) {
            throw ApiException.notFound("no checkpoint at " + ref + " (expected a model directory with config.json, or a .gguf file)")
                    .with("checkpoint", ref);
        }
        try {
            engine.activate(dir);
        } catch (IOException | ModelFormatException | GgufFormatException e) {
            throw ApiException.badRequest("cannot load " + dir + ": " + e.getMessage()).with("checkpoint", ref);
        }
        return engine.describe();
    }
}
