package com.lawyerllama.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.Generator;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.DistractorArticles;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestCorpus;
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
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The whole loop with a real model as the teacher: the test checkpoint (random weights, the real
 * Chinese tokenizer, on the real DJL engine) answers over the OpenAI protocol, build-data writes
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

    /** The checkpoint's chat completion: the messages in the served prompt format, greedy decoding. */
    static Function<List<OpenAiStub.Message>, OpenAiStub.Reply> model(Generator generator, int maxTokens) {
        return messages -> {
            List<Message> chat = messages.stream().map(m -> (Message) switch (m.role()) {
                case "system" -> new SystemMessage(m.content());
                case "assistant" -> new AssistantMessage(m.content());
                default -> new UserMessage(m.content());
            }).toList();
            GenerationResult r;
            synchronized (generator) {
                r = generator.generate(PromptFormat.render(chat), GenerationOptions.greedy(maxTokens)
                        .withStopStrings(PromptFormat.STOP_STRINGS), TokenListener.NONE, () -> false);
            }
            return new OpenAiStub.Reply(200, r.text(), r.finishReason() == GenerationResult.FinishReason.LENGTH ? "length" : "stop",
                    r.promptTokens(), r.generatedTokens());
        };
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
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), 1024)) {
            Tokenizer tokenizer = Tokenizers.load(checkpoint);
            try (OpenAiStub server = new OpenAiStub(model(new Generator(model, tokenizer), 24))) {
                Teacher teacher = new OpenAiTeacher(server.baseUrl(), "", "tiny-zh", Duration.ofSeconds(60));
                DatasetBuilder.Result s = builder.build(selfCheck(questions, single, BuildSettings.SINGLE), teacher,
                        DatasetBuilder.Listener.NONE, () -> false);
                assertThat(s.state()).as(String.valueOf(s.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
                assertThat(s.report().written()).as(s.report().summary()).isEqualTo(3);
                assertThat(s.report().completionTokens()).isPositive();
                DatasetBuilder.Result m = builder.build(selfCheck(questions, multi, BuildSettings.MULTI_TURN), teacher,
                        DatasetBuilder.Listener.NONE, () -> false);
                assertThat(m.state()).as(String.valueOf(m.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
                assertThat(m.report().written()).as(m.report().summary()).isEqualTo(3);
                assertThat(m.report().requests()).isEqualTo(3 * 3);     // two lawyer turns and a client turn each
            }
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
