package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.retrieval.dense.BertEncoder;
import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.NgramVocabulary;
import com.lawyerllama.retrieval.dense.QueryStudent;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dense retriever trains as a run like the LLaMA stages: the shipped {@code retriever-bge} plan
 * (the {@code retriever} plan plus the bundled BGE encoder), shortened, through {@link TrainingRuns};
 * stopped after a mid-stage checkpoint it resumes and finishes, validation reports recall, and the
 * final checkpoint is a loadable retriever model that carries the pretrained part.
 */
class RetrieverRunTest {

    /** A shipped plan cut to 12 steps of 16, a checkpoint every 4 and validation every 6; its first stage is edited through {@code stage}. */
    private static TrainingPlan shortened(String builtIn, java.util.function.Consumer<ObjectNode> stage) {
        ObjectNode plan = (ObjectNode) TrainingPlan.JSON.readTree(TrainingPlan.builtIn(builtIn).toJson());
        plan.put("checkpointEvery", 4);
        plan.put("evalEvery", 6);
        ObjectNode first = (ObjectNode) plan.get("stages").get(0);
        first.put("steps", 12);
        first.put("batchSize", 16);
        stage.accept(first);
        return TrainingPlan.fromJson(plan);
    }

    /**
     * Submits {@code plan}, stops the runner after its first mid-stage checkpoint (the run is left
     * RUNNING), starts a new runner that resumes it, and returns the run's status once it ended.
     */
    private static RunStatus stoppedAndResumed(Path runsDir, Path dataRoot, DistractorArticles distractors, TrainingPlan plan,
                                               BaseModel base) throws Exception {
        TrainingRuns runs = new TrainingRuns(runsDir, dataRoot, distractors, 1);
        String id = runs.submit(plan, base).id;
        TrainingResumeTest.await(runs, id, s -> s.lastCheckpoint != null && s.lastCheckpoint.contains("-step"), Duration.ofMinutes(3));
        runs.shutdown();
        assertThat(runs.get(id).state).isEqualTo(RunStatus.State.RUNNING);

        TrainingRuns restarted = new TrainingRuns(runsDir, dataRoot, distractors, 1);
        restarted.resumeUnfinished();
        RunStatus after = TrainingResumeTest.await(restarted, id, RunStatus::ended, Duration.ofMinutes(3));
        restarted.shutdown();
        assertThat(after.state).as(after.error).isEqualTo(RunStatus.State.SUCCEEDED);
        assertThat(after.resumes).isEqualTo(1);
        return after;
    }

    private static List<JsonNode> metrics(Path runsDir, RunStatus run) throws java.io.IOException {
        return Files.readAllLines(runsDir.resolve(run.id).resolve(TrainingRun.METRICS)).stream().map(TrainingPlan.JSON::readTree).toList();
    }

    static TrainingPlan shortPlan() {
        return shortened("retriever-bge", stage -> {
            ObjectNode r = (ObjectNode) stage.get("retriever");
            r.put("dims", 32);
            r.put("vocabSize", 20000);
            r.put("randomNegatives", 16);
        });
    }

    @Test
    void aPlansPretrainedEncoderMustBeBundledAndWeighedBetweenZeroAndOne() {
        ObjectNode plan = (ObjectNode) TrainingPlan.JSON.readTree(shortPlan().toJson());
        ObjectNode r = (ObjectNode) plan.get("stages").get(0).get("retriever");
        Path dataRoot = SharedData.dir();
        assertThat(TrainingPlan.fromJson(plan).validate(dataRoot)).isEmpty();
        r.put("pretrained", "bert-base-chinese");
        assertThat(TrainingPlan.fromJson(plan).validate(dataRoot))
                .anyMatch(p -> p.contains("retriever.pretrained must be one of [bge-small-zh-v1.5], got 'bert-base-chinese'"));
        r.put("pretrained", "bge-small-zh-v1.5");
        r.put("pretrainedWeight", 1.0);
        assertThat(TrainingPlan.fromJson(plan).validate(dataRoot)).anyMatch(p -> p.contains("retriever.pretrainedWeight must be in (0, 1)"));
        r.putNull("pretrained");
        assertThat(TrainingPlan.fromJson(plan).validate(dataRoot)).isEmpty();
    }

    @Test
    void aRetrieverRunResumesAfterAStopAndEndsWithALoadableModel(@TempDir Path data) throws Exception {
        Path dataRoot = SharedData.dir().toAbsolutePath();
        DistractorArticles distractors = new RandomStatuteDistractors(dataRoot.resolve("laws"));
        TrainingPlan plan = shortPlan();
        assertThat(plan.trainsRetriever()).isTrue();
        TrainingRuns runs = new TrainingRuns(data.resolve("runs"), dataRoot, distractors, 1);
        assertThat(runs.validate(plan, null)).isEmpty();
        assertThat(runs.validate(plan, TrainingResumeTest.tinyBase())).anyMatch(p -> p.startsWith("base:"));
        runs.shutdown();

        RunStatus after = stoppedAndResumed(data.resolve("runs"), dataRoot, distractors, plan, null);
        assertThat(after.tokensSeen).as("questions trained on").isEqualTo(12L * 16);

        List<JsonNode> metrics = metrics(data.resolve("runs"), after);
        assertThat(metrics.stream().filter(m -> m.get("type").asString().equals("step")).count()).isEqualTo(12 / plan.logEvery() + (12 % plan.logEvery() == 0 ? 0 : 1));
        JsonNode stage = metrics.stream().filter(m -> m.get("type").asString().equals("stage")).findFirst().orElseThrow();
        assertThat(stage.get("trainRecords").asInt()).isGreaterThan(1500);
        assertThat(stage.get("articles").asInt()).isGreaterThan(50_000);
        assertThat(metrics.stream().filter(m -> m.get("type").asString().equals("validation")))
                .allSatisfy(v -> assertThat(v.get("recallAt3").asDouble()).isBetween(0.0, 1.0))
                .hasSizeGreaterThanOrEqualTo(2);

        try (NDManager root = NDManager.newBaseManager();
             DenseEncoder model = DenseEncoder.load(Path.of(after.finalCheckpoint), root)) {
            // the plan's pretrained encoder rides along in the final model, beside the 32 trained dimensions
            assertThat(model.config().pretrained()).isEqualTo("bge-small-zh-v1.5");
            assertThat(model.pretrained()).isPresent();
            assertThat(model.dims()).isEqualTo(32 + 512);
            assertThat(model.config().memoryArticles()).isGreaterThan(100);
            assertThat(model.encodeQuery("离婚后孩子归谁")).hasSize(32 + 512);
        }
    }

    /**
     * The shipped {@code retriever-distil} plan, shortened: zixun's labels, 100 legal-advice
     * questions, the questions of {@code extra} (alpaca), a fifth statute sentences.
     */
    static TrainingPlan shortDistilPlan(Path extra) {
        return shortened("retriever-distil", stage -> {
            ArrayNode datasets = stage.putArray("datasets");
            datasets.addObject().put("format", "statutes").put("path", "laws").put("weight", 1);
            datasets.addObject().put("format", "labelled-articles").put("path", "lawyer-llama/zixun_gpt4.json").put("weight", 1);
            datasets.addObject().put("format", "alpaca").put("path", "lawyer-llama/legal_advice.json").put("weight", 1).put("limit", 100);
            datasets.addObject().put("format", "alpaca").put("path", extra.toString()).put("weight", 1);
            ObjectNode r = (ObjectNode) stage.get("retriever");
            r.put("dims", 16);
            r.put("selfSupervisedShare", 0.2);
            r.put("randomNegatives", 30);
        });
    }

    /**
     * Distillation runs like the other retriever stages: it starts from a retriever model that
     * carries BGE (the run's base, which must be one), resumes after a stop, validates, and ends
     * with a model whose questions go through the student while its articles keep the base model's
     * vectors and vector id.
     */
    @Test
    void aDistillationRunStartsFromARetrieverModelAndKeepsItsArticleVectors(@TempDir Path data) throws Exception {
        Path dataRoot = SharedData.dir().toAbsolutePath();
        JsonNode zixun = TrainingPlan.JSON.readTree(Files.readString(dataRoot.resolve("lawyer-llama/zixun_gpt4.json")));
        List<String> texts = new ArrayList<>();
        zixun.forEach(n -> texts.add(n.path("query").asString()));
        Path plainDir = data.resolve("plain");
        Path baseDir = data.resolve("base");
        String baseId;
        try (NDManager root = NDManager.newBaseManager();
             DenseEncoder model = DenseEncoder.random(NgramVocabulary.build(texts, 1, 20_000), 16, 1, root)) {
            model.save(plainDir, SafetensorsReader.DType.F16);
            model.attachPretrained("bge-small-zh-v1.5", BertEncoder.bundled("bge-small-zh-v1.5", root), 0.5);
            model.save(baseDir, SafetensorsReader.DType.F16);
            baseId = model.id();
        }
        // one more question set, with a malformed record that must be reported once, not again on resume
        Path extra = data.resolve("extra.json");
        Files.writeString(extra, "[{\"instruction\": \"邻居家的狗咬伤了我的孩子，谁来赔偿？\", \"output\": \"…\"}, {\"output\": \"no question\"}]");
        TrainingPlan plan = shortDistilPlan(extra);
        assertThat(plan.startsFromRetrieverModel()).isTrue();
        DistractorArticles distractors = new RandomStatuteDistractors(dataRoot.resolve("laws"));
        TrainingRuns runs = new TrainingRuns(data.resolve("runs"), dataRoot, distractors, 1);
        assertThat(runs.validate(plan, null)).anyMatch(p -> p.startsWith("base: missing"));
        assertThat(runs.validate(plan, directory(plainDir))).anyMatch(p -> p.contains("has no pretrained encoder to distil"));
        assertThat(runs.validate(plan, directory(data.resolve("nowhere")))).anyMatch(p -> p.contains("no config.json"));
        assertThat(runs.validate(plan, directory(baseDir))).isEmpty();

        runs.shutdown();
        RunStatus after = stoppedAndResumed(data.resolve("runs"), dataRoot, distractors, plan, directory(baseDir));
        assertThat(after.malformedRecords).isEqualTo(1);
        assertThat(after.dataProblems).singleElement().asString().contains("instruction");

        List<JsonNode> metrics = metrics(data.resolve("runs"), after);
        List<JsonNode> starts = metrics.stream().filter(m -> m.get("type").asString().equals("distillation")).toList();
        assertThat(starts).as("the first start computes BGE's vectors, the resumed one reads them back")
                .extracting(m -> m.get("teacherVectors").asString()).containsExactly("computed", "reused");
        assertThat(data.resolve("runs").resolve(after.id).resolve("teacher-vectors-" + plan.stages().get(0).name() + ".bin")).isRegularFile();
        JsonNode distillation = starts.get(0);
        assertThat(distillation.get("questions").asInt()).as("zixun's training questions, 100 legal-advice ones and one more").isBetween(800, 1000);
        assertThat(distillation.get("statuteSentences").asDouble() / distillation.get("questions").asInt()).isCloseTo(0.25,
                org.assertj.core.api.Assertions.within(0.01));
        assertThat(metrics.stream().filter(m -> m.get("type").asString().equals("validation")))
                .allSatisfy(v -> {
                    assertThat(v.get("recallAt3").asDouble()).isBetween(0.0, 1.0);
                    assertThat(v.get("loss").asDouble()).isBetween(0.0, 2.0);
                })
                .hasSizeGreaterThanOrEqualTo(2);

        try (NDManager root = NDManager.newBaseManager();
             DenseEncoder model = DenseEncoder.load(Path.of(after.finalCheckpoint), root)) {
            assertThat(model.queryStudent()).isPresent();
            assertThat(Path.of(after.finalCheckpoint).resolve(QueryStudent.FILE)).isRegularFile();
            assertThat(model.vectorId()).isEqualTo(baseId);
            assertThat(model.id()).isNotEqualTo(baseId);
            assertThat(model.encodeQuery("离婚后孩子归谁")).hasSize(16 + 512);
        }
    }

    private static BaseModel directory(Path dir) {
        return BaseModel.directory(dir.toString());
    }
}
