package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * A checkpoint that does not fit on the disk fails the run with the reason, and the previous
 * checkpoint stays whole and loadable. The disk is a real, small tmpfs (needs root, as the test
 * machines run; skipped where mounting is not allowed).
 */
class CheckpointDiskFullTest {

    @Test
    void aFullDiskFailsTheRunWithTheReasonAndKeepsThePreviousCheckpoint(@TempDir Path tmp) throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        // Room for the step-4 checkpoint (weights + optimizer moments, ~1.5 MB) but not also the stage-end one.
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1800k", "tmpfs", disk.toString()) == 0, "cannot mount a tmpfs here");
        try {
            ObjectNode plan = (ObjectNode) TrainingPlan.JSON.readTree(TrainingResumeTest.smallPlan().toJson());
            plan.put("checkpointEvery", 4);
            ObjectNode s1 = (ObjectNode) plan.get("stages").get(0);
            s1.put("steps", 8);
            plan.set("stages", TrainingPlan.JSON.createArrayNode().add(s1));
            Path dataRoot = SharedData.dir().toAbsolutePath();
            Path dir = disk.resolve("run");
            TrainingRun.create(dir, "run", TrainingPlan.fromJson(plan), TrainingResumeTest.tinyBase());
            TrainingRun run = new TrainingRun(dir, dataRoot, null, (type, data) -> { }, () -> false);
            run.execute();

            RunStatus s = TrainingRun.readStatus(dir);
            assertThat(s.state).isEqualTo(RunStatus.State.FAILED);
            assertThat(s.error).contains("No space left on device");
            assertThat(s.lastCheckpoint).endsWith("S1-general-pretraining-step4");
            try (Stream<Path> left = Files.list(dir.resolve("checkpoints"))) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactly("S1-general-pretraining-step4");
            }
            try (LlamaModel model = LlamaModel.load(Path.of(s.lastCheckpoint), Device.cpu(), 64)) {
                assertThat(model.parameterCount()).isPositive();
            }
        } finally {
            run("umount", "-l", disk.toString());   // lazy: mapped safetensors may still be open until GC
        }
    }

    private static int run(String... command) throws Exception {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
