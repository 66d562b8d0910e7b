package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingPlanTest {

    @Test
    void theShippedPlansRunTheFiveStagesOverTheSharedData() {
        for (String name : List.of("default", "tiny")) {
            TrainingPlan plan = TrainingPlan.builtIn(name);
            assertThat(plan.validate(SharedData.dir())).as(name).isEmpty();
            assertThat(plan.stages()).extracting(s -> s.name().substring(0, s.name().indexOf('-')))
                    .containsExactly("S1", "S4", "S7", "S9", "S12");
            assertThat(plan.stages()).extracting(TrainingPlan.Stage::objective)
                    .containsExactly("causal-lm", "causal-lm", "sft", "sft", "sft");
            assertThat(TrainingPlan.fromJson(TrainingPlan.JSON.readTree(plan.toJson()))).isEqualTo(plan);
        }
    }

    @Test
    void validationReportsEveryProblemAtOnce() {
        TrainingPlan.Stage bad = new TrainingPlan.Stage("S1", "pretrain",
                List.of(new TrainingPlan.DatasetSpec("epub", "nowhere/x.epub", 0, 0, null)),
                -1, 0, 4, 0, 0, 0, null, 0, -1, -1, new TrainingPlan.Lora(512, 0, List.of("qkv")), 2, null, null);
        List<String> problems = new TrainingPlan("bad", 1, 0.7, 0, 0, 0, 0, List.of(bad)).validate(SharedData.dir());
        assertThat(String.join("\n", problems)).contains("validationFraction", "evalEvery", "evalBatches", "checkpointEvery",
                "logEvery", "objective must be", "steps must be positive", "seqLen", "batchSize", "gradAccum", "lr must be",
                "weightDecay", "gradClip", "distractorShare", "lora.rank", "lora.alpha", "unknown projection 'qkv'",
                "unknown format 'epub'", "no such file or folder", "weight must be positive");
        assertThat(problems).hasSize(20);
    }

    @Test
    void learningRateWarmsUpThenDecaysByCosineToItsFloor() {
        TrainingPlan.Stage s = TrainingPlan.builtIn("tiny").stages().get(0);
        assertThat(s.learningRate(0, 30)).isCloseTo(s.lr() / 3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.learningRate(2, 30)).isEqualTo(s.lr());
        assertThat(s.learningRate(3, 30)).isEqualTo(s.lr());
        assertThat(s.learningRate(16, 30)).isBetween(s.finalLr(), s.lr());
        assertThat(s.learningRate(30, 30)).isCloseTo(s.finalLr(), org.assertj.core.data.Offset.offset(1e-12));
    }
}
