package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** {@code train} runs a plan headless through the launcher and prints the final checkpoint. */
class TrainCommandTest {

    @Test
    void trainRunsAPlanFileHeadlessAndPrintsTheFinalCheckpoint(@TempDir Path tmp) throws Exception {
        ObjectNode plan = (ObjectNode) TrainingPlan.JSON.readTree(TrainingResumeTest.smallPlan().toJson());
        ((ObjectNode) plan.get("stages").get(1)).put("steps", 6);
        Path planFile = tmp.resolve("plan.json");
        Files.writeString(planFile, plan.toString());
        Path out = tmp.resolve("run");

        Cli.Result run = Cli.run("train", "--plan", planFile.toString(), "--base", "random", "--out", out.toString(),
                "--data-root", SharedData.dir().toString());
        assertThat(run.code()).as(run.stderr()).isZero();
        Path finalCheckpoint = Path.of(run.stdout().strip());
        assertThat(finalCheckpoint).isEqualTo(out.resolve("checkpoints").resolve("S9-consultation-sft"));
        assertThat(finalCheckpoint.resolve("model.safetensors")).exists();
        assertThat(run.stderr()).contains("S1-general-pretraining", "loss", "tok/s");
    }
}
