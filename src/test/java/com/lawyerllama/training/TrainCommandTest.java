package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.cli.Launcher;
import com.lawyerllama.testsupport.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
            code = Launcher.run("train", "--plan", planFile.toString(), "--base", "random", "--out", out.toString(),
                    "--data-root", SharedData.dir().toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(code).as(progress.toString(StandardCharsets.UTF_8)).isZero();
        Path finalCheckpoint = Path.of(printed.toString(StandardCharsets.UTF_8).strip());
        assertThat(finalCheckpoint).isEqualTo(out.resolve("checkpoints").resolve("S9-consultation-sft"));
        assertThat(finalCheckpoint.resolve("model.safetensors")).exists();
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("S1-general-pretraining", "loss", "tok/s");
    }
}
