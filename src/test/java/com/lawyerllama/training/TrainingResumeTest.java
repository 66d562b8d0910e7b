package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run stopped mid-stage (its runner thread interrupted, as at shutdown or like a crash: the
 * state on disk stays RUNNING) resumes from its last checkpoint, model, optimizer and data
 * position included, and ends where an uninterrupted run ends.
 */
class TrainingResumeTest {

    /** S1 (full fine-tuning) then S9 (LoRA), short, with a checkpoint every 4 steps. */
    static TrainingPlan smallPlan() {
        JsonNode tiny = TrainingPlan.JSON.readTree(TrainingPlan.builtIn("tiny").toJson());
        ObjectNode plan = (ObjectNode) tiny;
        plan.put("checkpointEvery", 4);
        plan.put("evalEvery", 8);
        ArrayNode stages = TrainingPlan.JSON.createArrayNode();
        for (JsonNode s : tiny.get("stages")) {
            String name = s.get("name").asString();
            if (name.startsWith("S1-") || name.startsWith("S9-")) {
                ObjectNode stage = ((ObjectNode) s).deepCopy();
                stage.put("steps", name.startsWith("S1-") ? 6 : 14);
                stages.add(stage);
            }
        }
        plan.set("stages", stages);
        return TrainingPlan.fromJson(plan);
    }

    static BaseModel tinyBase() {
        return new BaseModel(null, "random", 64, 172, 2, 4, 2, null, null, "models/stories260K/tok512.bin");
    }

    @Test
    void aRunStoppedMidStageResumesFromItsLastCheckpointAndFinishes(@TempDir Path data) throws Exception {
        Path dataRoot = SharedData.dir().toAbsolutePath();
        DistractorArticles distractors = new RandomStatuteDistractors(dataRoot.resolve("laws"));
        TrainingPlan plan = smallPlan();
        assertThat(plan.validate(dataRoot)).isEmpty();

        // Uninterrupted, for comparison.
        TrainingRuns reference = new TrainingRuns(data.resolve("reference"), dataRoot, distractors, 1);
        String refId = reference.submit(plan, tinyBase()).id;
        RunStatus done = await(reference, refId, s -> s.ended(), Duration.ofMinutes(2));
        reference.shutdown();
        assertThat(done.state).isEqualTo(RunStatus.State.SUCCEEDED);

        // Stopped after its mid-stage checkpoint in the LoRA stage...
        TrainingRuns runs = new TrainingRuns(data.resolve("runs"), dataRoot, distractors, 1);
        String id = runs.submit(plan, tinyBase()).id;
        RunStatus before = await(runs, id, s -> s.stage != null && s.stage.startsWith("S9-") && s.step >= 6
                && s.lastCheckpoint != null && s.lastCheckpoint.contains("S9-consultation-sft-step"), Duration.ofMinutes(2));
        runs.shutdown();
        RunStatus stopped = runs.get(id);
        assertThat(stopped.state).isEqualTo(RunStatus.State.RUNNING);
        assertThat(stopped.step).isLessThan(14);

        // ...resumes when the service starts again, and finishes.
        TrainingRuns restarted = new TrainingRuns(data.resolve("runs"), dataRoot, distractors, 1);
        restarted.resumeUnfinished();
        RunStatus after = await(restarted, id, s -> s.ended(), Duration.ofMinutes(2));
        restarted.shutdown();
        assertThat(after.state).as(after.error).isEqualTo(RunStatus.State.SUCCEEDED);
        assertThat(after.resumes).isEqualTo(1);

        List<JsonNode> metrics = Files.readAllLines(data.resolve("runs").resolve(id).resolve(TrainingRun.METRICS)).stream()
                .map(TrainingPlan.JSON::readTree).toList();
        JsonNode resume = metrics.stream().filter(m -> m.get("type").asString().equals("resume")).findFirst().orElseThrow();
        int resumedAt = resume.get("step").asInt();
        assertThat(resumedAt).isIn(4, 8, 12).isLessThanOrEqualTo(before.step);
        // Each step of the stage is logged once: the metrics log was rewound to the checkpoint.
        assertThat(metrics.stream().filter(m -> m.get("type").asString().equals("step")
                && m.get("stage").asString().startsWith("S9-")).count()).isEqualTo(14);
        // Same batches, same optimizer state: the resumed run ends where the uninterrupted one does.
        assertThat(after.trainLoss).isCloseTo(done.trainLoss, org.assertj.core.data.Offset.offset(0.02));
        assertThat(after.tokensSeen).isEqualTo(done.tokensSeen);
    }

    static RunStatus await(TrainingRuns runs, String id, java.util.function.Predicate<RunStatus> condition, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            RunStatus s = runs.get(id);
            if (s != null && condition.test(s)) {
                return s;
            }
            if (s != null && s.ended()) {
                throw new AssertionError("run ended before the condition held: " + s.state + " " + s.error);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("condition not reached within " + limit);
    }
}
