package com.lawyerllama.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** {@code GET /admin/checkpoints}: every checkpoint that the training runs have written, newest first. */
@RestController
public class CheckpointController {
    private final TrainingRuns runs;

    public CheckpointController(TrainingRuns runs) {
        this.runs = runs;
    }

    @GetMapping("/admin/checkpoints")
    public List<Map<String, Object>> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> runDirs = Files.list(runs.runsDir())) {
            for (Path run : runDirs.sorted().toList()) {
                Path checkpoints = run.resolve("checkpoints");
                if (!Files.isDirectory(checkpoints)) {
                    continue;
                }
                try (Stream<Path> dirs = Files.list(checkpoints)) {
                    for (Path c : dirs.filter(d -> Files.isRegularFile(d.resolve("config.json"))
                            && !d.getFileName().toString().startsWith(".")).toList()) {
                        out.add(describe(run, c));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("modified")).reversed());
        return out;
    }

    private static Map<String, Object> describe(Path run, Path c) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", run.getFileName().toString());
        m.put("name", c.getFileName().toString());
        m.put("path", c.toAbsolutePath().toString());
        Path state = c.resolve(TrainingRun.TRAINER_STATE);
        if (Files.isRegularFile(state)) {
            JsonNode s = TrainingPlan.JSON.readTree(Files.readString(state));
            m.put("stage", s.path("stage").asString(""));
            m.put("step", s.path("step").asInt());
            m.put("stageDone", s.path("stageDone").asBoolean());
            m.put("tokensSeen", s.path("tokensSeen").asLong());
        }
        m.put("modified", Files.getLastModifiedTime(c.resolve("config.json")).toInstant().toString());
        return m;
    }
}
