package com.lawyerllama.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.LawyerLlamaApplication;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.DistractorArticles;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestElasticsearch;
import com.lawyerllama.testsupport.TestModels;
import com.lawyerllama.training.BaseModel;
import com.lawyerllama.training.DatasetReaders;
import com.lawyerllama.training.Example;
import com.lawyerllama.training.RunStatus;
import com.lawyerllama.training.TrainingPlan;
import com.lawyerllama.training.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole loop with a real model as the teacher: a second instance of the service serves the test
 * checkpoint (random weights, the real Chinese tokenizer, on the real DJL engine) at its own
 * {@code /v1}, build-data asks it through the remote model client and writes
 * single-turn and multi-turn records from a small question file, the S12 and S9 readers read them,
 * and a plan trains one tiny stage on them. The model cannot cite, so this run keeps answers that
 * cite nothing and replies cut at maxTokens (the gate itself is {@link DatasetBuildGateTest}'s).
 */
@IntegrationTest
class TeacherLoopTest {
    static final List<String> QUESTIONS = List.of(
            "公司拖欠我三个月工资，我能解除劳动合同并要求经济补偿吗？",
            "朋友借了我五万元到期不还，我能起诉他吗？",
            "离婚后孩子的抚养费应该怎么确定？");
    static int threadsBefore;

    @Autowired
    CorpusImporter importer;
    @Autowired
    DatasetBuilder builder;
    @Autowired
    DistractorArticles distractors;

    @BeforeAll
    static void oneThread() {
        ai.djl.engine.Engine.getInstance();
        threadsBefore = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threadsBefore);
    }

    static final String KEY = "teacher-loop-key";

    /** This service with the test checkpoint, on a free port, its /v1 behind a bearer key; the caller closes it. */
    static ConfigurableApplicationContext servingInstance(Path checkpoint) throws java.io.IOException {
        // Command-line arguments, so that they win over application.yml.
        return new SpringApplicationBuilder(LawyerLlamaApplication.class).run(Stream.of(
                "server.port=0",
                "lawyer.elasticsearch.uris=" + TestElasticsearch.uri(),
                "lawyer.data-dir=" + Files.createTempDirectory("lawyer-teacher-data"),
                "lawyer.security.admin.username=admin",
                "lawyer.security.admin.password=" + IntegrationTest.ADMIN_PASSWORD,
                "lawyer.retrieval.dense.model-path=",
                "lawyer.model.path=" + checkpoint,
                "lawyer.openai.api-keys=" + KEY).map(a -> "--" + a).toArray(String[]::new));
    }

    static BuildSettings selfCheck(Path questions, Path out, String kind) {
        BuildSettings d = BuildSettings.defaults(questions.toString(), "lines", out.toString(), kind);
        return new BuildSettings(d.input(), d.format(), d.output(), kind, 2, 2, 0.0, 1, 1, false, false, 0.9, 2000, 0, 2, 1,
                0.0, 24, 0, 2, Duration.ofMillis(50), Duration.ofSeconds(60), null, null);
    }

    @Test
    void aRealModelTeachesSingleAndMultiTurnRecordsThatAPlanTrainsOn(@TempDir Path tmp) throws Exception {
        TestCorpus.ensureImported(importer);
        Path checkpoint = TestModels.tinyChinese();
        Path questions = Files.writeString(tmp.resolve("questions.txt"), String.join("\n", QUESTIONS) + "\n");
        Path single = tmp.resolve("single.json");
        Path multi = tmp.resolve("multi.json");
        try (ConfigurableApplicationContext teacherService = servingInstance(checkpoint)) {
            int port = ((WebServerApplicationContext) teacherService).getWebServer().getPort();
            String baseUrl = "http://127.0.0.1:" + port + "/v1";
            String models = new Http(port).send(new Http(port).request("/v1/models").header("Authorization", "Bearer " + KEY)
                    .GET()).body();
            assertThat(models).contains("\"" + checkpoint.getFileName() + "\"");
            Teacher teacher = new OpenAiTeacher(baseUrl, KEY, checkpoint.getFileName().toString(), Duration.ofSeconds(120));
            DatasetBuilder.Result s = builder.build(selfCheck(questions, single, BuildSettings.SINGLE), teacher,
                    DatasetBuilder.Listener.NONE, () -> false);
            assertThat(s.state()).as(String.valueOf(s.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
            assertThat(s.report().written()).as(s.report().summary()).isEqualTo(3);
            assertThat(s.report().promptTokens()).isPositive();
            assertThat(s.report().completionTokens()).isPositive();
            DatasetBuilder.Result m = builder.build(selfCheck(questions, multi, BuildSettings.MULTI_TURN), teacher,
                    DatasetBuilder.Listener.NONE, () -> false);
            assertThat(m.state()).as(String.valueOf(m.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
            assertThat(m.report().written()).as(m.report().summary()).isEqualTo(3);
            assertThat(m.report().requests()).isEqualTo(3 * 3);     // two lawyer turns and a client turn each
            System.out.println("teacher loop through /v1: " + s.report().summary() + " | " + m.report().summary());

            // A teacher with a wrong key is refused by /v1 (401): the build stops at once.
            DatasetBuilder.Result refused = builder.build(selfCheck(questions, tmp.resolve("refused.json"), BuildSettings.SINGLE),
                    new OpenAiTeacher(baseUrl, "wrong-key", checkpoint.getFileName().toString(), Duration.ofSeconds(30)),
                    DatasetBuilder.Listener.NONE, () -> false);
            assertThat(refused.state()).isEqualTo(DatasetBuilder.State.FAILED);
            assertThat(refused.error()).contains("401");
        }

        DatasetReaders.Read rag = DatasetReaders.read("lawyer-llama-rag", single, 0);
        assertThat(rag.problems()).isEmpty();
        assertThat(rag.examples()).hasSize(3);
        Example.Dialogue first = (Example.Dialogue) rag.examples().get(0);
        assertThat(first.turns().get(0).human()).isEqualTo(QUESTIONS.get(0));
        assertThat(first.turns().get(0).assistant()).isNotBlank();
        assertThat(first.articles()).isNotEmpty().allMatch(a -> a.matches("《[^》]+》第[^条]+条：.+"));
        DatasetReaders.Read dialogues = DatasetReaders.read("lawyer-llama-multi-turn", multi, 0);
        assertThat(dialogues.problems()).isEmpty();
        assertThat(dialogues.examples()).hasSize(3)
                .allMatch(e -> ((Example.Dialogue) e).turns().size() == 2 && !((Example.Dialogue) e).articles().isEmpty());

        // A plan with the built files as its data trains one tiny stage from the same checkpoint.
        TrainingPlan plan = TrainingPlan.fromJson(planJson(single, multi));
        Path dataRoot = SharedData.dir().toAbsolutePath();
        assertThat(plan.validate(dataRoot)).isEmpty();
        TrainingRuns runs = new TrainingRuns(tmp.resolve("runs"), dataRoot, distractors, 1);
        try {
            String id = runs.submit(plan, BaseModel.directory(checkpoint.toString())).id;
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            RunStatus status = runs.get(id);
            while (!status.ended()) {
                assertThat(System.nanoTime()).as("training run %s still %s", id, status.state).isLessThan(deadline);
                Thread.sleep(200);
                status = runs.get(id);
            }
            assertThat(status.state).as(String.valueOf(status.error)).isEqualTo(RunStatus.State.SUCCEEDED);
            assertThat(status.tokensSeen).isPositive();
            assertThat(Path.of(status.finalCheckpoint).resolve("model.safetensors")).exists();
        } finally {
            runs.shutdown();
        }
    }

    static tools.jackson.databind.JsonNode planJson(Path single, Path multi) {
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree("""
                {"name": "teacher-data", "seed": 5, "validationFraction": 0.25, "evalEvery": 2, "evalBatches": 1,
                 "checkpointEvery": 2, "logEvery": 1, "stages": [
                  {"name": "S12-teacher-data", "objective": "sft", "steps": 2, "seqLen": 96, "batchSize": 2, "lr": 0.001,
                   "warmupSteps": 1, "distractorShare": 0.0, "datasets": [
                     {"format": "lawyer-llama-rag", "path": "%s", "weight": 1, "articles": true},
                     {"format": "lawyer-llama-multi-turn", "path": "%s", "weight": 1, "articles": true}]}]}"""
                .formatted(single.toString().replace("\\", "\\\\"), multi.toString().replace("\\", "\\\\")));
    }
}
