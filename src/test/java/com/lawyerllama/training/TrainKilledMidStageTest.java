package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.lawyerllama.cli.Launcher;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.Generator;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code train} in its own JVM, killed with SIGKILL (no shutdown hook, no interrupt: a power cut
 * or the OOM killer) after it wrote a mid-stage checkpoint, then run again on the same
 * {@code --out}: it resumes from that checkpoint and finishes.
 */
class TrainKilledMidStageTest {
    private static final int STAGE_STEPS = 120;
    private static final int CHECKPOINT_EVERY = 10;

    @Test
    void aTrainProcessKilledMidStageResumesFromItsCheckpointAndFinishes(@TempDir Path tmp) throws Exception {
        ObjectNode plan = (ObjectNode) TrainingPlan.JSON.readTree(TrainingResumeTest.smallPlan().toJson());
        plan.put("checkpointEvery", CHECKPOINT_EVERY);
        plan.put("evalEvery", 40);
        ((ObjectNode) plan.get("stages").get(1)).put("steps", STAGE_STEPS);    // S9, the LoRA stage
        Path planFile = Files.writeString(tmp.resolve("plan.json"), plan.toString());
        Path out = tmp.resolve("run");
        List<String> train = List.of("train", "--plan", planFile.toString(), "--base", "random", "--out", out.toString(),
                "--data-root", SharedData.dir().toAbsolutePath().toString(), "--threads", "1");

        // The first run, in a child JVM, killed once its first S9 mid-stage checkpoint is on disk.
        Path log = tmp.resolve("first-run.log");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-Dfile.encoding=UTF-8",
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(train);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitMidStageCheckpoint(out, child, log);
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        RunStatus afterKill = TrainingRun.readStatus(out);
        assertThat(afterKill.state).as("the killed run never recorded an end").isEqualTo(RunStatus.State.RUNNING);
        String checkpoint = afterKill.lastCheckpoint;
        assertThat(checkpoint).contains("S9-consultation-sft-step");
        int checkpointStep = Integer.parseInt(checkpoint.substring(checkpoint.lastIndexOf("-step") + 5));
        assertThat(checkpointStep).isLessThan(STAGE_STEPS);

        // The same command again: resumes and finishes.
        Cli.Result rerun = Cli.run(train.toArray(String[]::new));
        assertThat(rerun.code()).as(rerun.stderr()).isZero();
        assertThat(rerun.stderr()).contains("resuming the run in " + out);
        Path finalCheckpoint = Path.of(rerun.stdout().strip());
        assertThat(finalCheckpoint).isEqualTo(out.resolve("checkpoints").resolve("S9-consultation-sft"));

        RunStatus done = TrainingRun.readStatus(out);
        assertThat(done.state).isEqualTo(RunStatus.State.SUCCEEDED);
        assertThat(done.resumes).isEqualTo(1);
        List<JsonNode> metrics = Files.readAllLines(out.resolve(TrainingRun.METRICS)).stream()
                .map(TrainingPlan.JSON::readTree).toList();
        JsonNode resume = metrics.stream().filter(m -> m.get("type").asString().equals("resume")).findFirst().orElseThrow();
        assertThat(resume.get("step").asInt()).isEqualTo(checkpointStep);
        assertThat(resume.get("checkpoint").asString()).isEqualTo(checkpoint);
        // Every step of the stage logged once: the log was rewound to the checkpoint, steps after it redone.
        assertThat(metrics.stream().filter(m -> m.get("type").asString().equals("step")
                && m.get("stage").asString().startsWith("S9-")).count()).isEqualTo(STAGE_STEPS);
        // A whole model directory, tokenizer included (the checkpoint it resumed from was deleted on the way).
        assertThat(Path.of(checkpoint)).doesNotExist();
        assertThat(finalCheckpoint.resolve("tokenizer.bin")).exists();
        try (LlamaModel model = LlamaModel.load(finalCheckpoint, Device.cpu(), 64)) {
            assertThat(new Generator(model, Tokenizers.load(finalCheckpoint))
                    .generate("Once", GenerationOptions.greedy(8), TokenListener.NONE, () -> false).generatedTokens()).isPositive();
        }
    }

    /** Polls the run's state file until its last checkpoint is one inside the S9 stage. */
    private static void awaitMidStageCheckpoint(Path out, Process child, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(out.resolve(TrainingRun.STATE))) {
                RunStatus s = TrainingRun.readStatus(out);
                if (s.lastCheckpoint != null && s.lastCheckpoint.contains("S9-consultation-sft-step")) {
                    return;
                }
            }
            if (!child.isAlive()) {
                throw new AssertionError("train ended (exit " + child.exitValue() + ") before a mid-stage checkpoint:\n" + tail(log));
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no mid-stage checkpoint within 60 s:\n" + tail(log));
    }

    private static String tail(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.substring(Math.max(0, text.length() - 3000));
    }
}
