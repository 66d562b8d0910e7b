package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.lawyerllama.evaluation.LogLikelihoodScorer;
import com.lawyerllama.evaluation.ModelEvaluation;
import com.lawyerllama.llama.AtomicFiles;
import com.lawyerllama.law.Article;
import com.lawyerllama.llama.Checkpoints;
import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.NgramVocabulary;
import com.lawyerllama.retrieval.dense.BertEncoder;
import com.lawyerllama.training.retriever.QueryDistiller;
import com.lawyerllama.retrieval.dense.RetrieverData;
import com.lawyerllama.training.retriever.RetrieverTraining;
import com.lawyerllama.training.retriever.RetrieverTrainer;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.SafetensorsWriter;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One training run in its directory: {@code state.json} (the {@link RunStatus}), {@code plan.json},
 * {@code base.json}, {@code metrics.jsonl} and {@code checkpoints/}. {@link #execute} runs the
 * plan's stages in order, or resumes from the last checkpoint (model, optimizer and data position),
 * so a crash loses at most one checkpoint interval.
 *
 * <p>Checkpoints are Hugging Face model directories ({@code config.json}, {@code model.safetensors},
 * tokenizer files) plus {@code plan.json}, {@code metrics.jsonl}, {@code trainer_state.json} and,
 * mid-stage, {@code optimizer.safetensors} (and {@code lora.safetensors}); each is written atomically.
 * Every stage's end leaves {@code checkpoints/STAGE}; mid-stage ones ({@code STAGE-stepN}) replace
 * each other.
 */
public final class TrainingRun {
    public static final String STATE = "state.json";
    public static final String PLAN = "plan.json";
    public static final String BASE = "base.json";
    public static final String METRICS = "metrics.jsonl";
    /** A stage's evaluation report, inside its final checkpoint. */
    public static final String EVALUATION = "evaluation.json";
    public static final String TRAINER_STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String LORA = "lora.safetensors";
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer.model", "tokenizer.bin",
            "tokenizer_config.json", "special_tokens_map.json", "generation_config.json");
    private static final int MAX_REPORTED_PROBLEMS = 50;

    /** Receives what the run reports (server-sent events, the CLI's progress bar). */
    @FunctionalInterface
    public interface Listener {
        void onEvent(String type, Object data);
    }

    /** Thrown inside the loop to stop it: cancelled (final) or interrupted (shutdown: the run resumes at the next start). */
    public static final class Stopped extends RuntimeException {
        final boolean cancelled;

        Stopped(boolean cancelled) {
            super(cancelled ? "cancelled" : "interrupted", null, false, false);
            this.cancelled = cancelled;
        }
    }

    private final Path dir;
    private final Path dataRoot;
    private final DistractorArticles distractors;
    private final Listener listener;
    private final BooleanSupplier cancelRequested;
    private final RunStatus status;
    private final TrainingPlan plan;
    private final BaseModel base;

    private LlamaModel model;
    private Path tokenizerSource;
    private long stageStartNanos;
    private double emaTokensPerSecond;
    private double emaSecondsPerStep;

    public TrainingRun(Path dir, Path dataRoot, DistractorArticles distractors, Listener listener, BooleanSupplier cancelRequested)
            throws IOException {
        this.dir = dir;
        this.dataRoot = dataRoot;
        this.distractors = distractors;
        this.listener = listener;
        this.cancelRequested = cancelRequested;
        this.status = readStatus(dir);
        this.plan = TrainingPlan.read(dir.resolve(PLAN));
        this.base = BaseModel.fromJson(TrainingPlan.JSON.readTree(Files.readString(dir.resolve(BASE))));
    }

    /** Creates a run directory in state QUEUED. */
    public static RunStatus create(Path dir, String id, TrainingPlan plan, BaseModel base) throws IOException {
        Files.createDirectories(dir.resolve("checkpoints"));
        AtomicFiles.writeString(dir.resolve(PLAN), plan.toJson());
        AtomicFiles.writeString(dir.resolve(BASE), TrainingPlan.JSON.writeValueAsString(base));
        RunStatus s = new RunStatus();
        s.id = id;
        s.state = RunStatus.State.QUEUED;
        s.planName = plan.name();
        s.created = Instant.now().toString();
        s.stageCount = plan.stages().size();
        s.stage = plan.stages().isEmpty() ? null : plan.stages().get(0).name();
        writeStatus(dir, s);
        return s;
    }

    public static RunStatus readStatus(Path dir) throws IOException {
        return TrainingPlan.JSON.readValue(Files.readString(dir.resolve(STATE)), RunStatus.class);
    }

    static void writeStatus(Path dir, RunStatus s) throws IOException {
        AtomicFiles.writeString(dir.resolve(STATE), TrainingPlan.JSON.writeValueAsString(s));
    }

    public RunStatus status() {
        return status;
    }

    /**
     * Runs (or resumes) the plan to its end. Leaves the run SUCCEEDED, FAILED (with the reason) or
     * CANCELLED; when interrupted (service shutdown) it stays RUNNING on disk and resumes next time.
     */
    public void execute() {
        try {
            Trainer.noGradientRecording();
            status.state = RunStatus.State.RUNNING;
            status.started = status.started == null ? Instant.now().toString() : status.started;
            status.error = null;
            save();
            event("state", status);
            runStages();
            status.state = RunStatus.State.SUCCEEDED;
        } catch (Stopped s) {
            if (!s.cancelled) {
                saveQuietly();
                event("state", status);
                return;
            }
            status.state = RunStatus.State.CANCELLED;
        } catch (Exception | OutOfMemoryError e) {
            if (Thread.currentThread().isInterrupted() || e instanceof java.nio.channels.ClosedByInterruptException) {
                // Shutdown while writing: the run stays RUNNING on disk and resumes from its last checkpoint.
                event("state", status);
                return;
            }
            status.state = RunStatus.State.FAILED;
            status.error = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            if (model != null) {
                model.close();
                model = null;
            }
        }
        status.finished = Instant.now().toString();
        status.etaSeconds = status.state == RunStatus.State.SUCCEEDED ? 0L : null;
        saveQuietly();
        event("state", status);
    }

    private void runStages() throws IOException {
        if (plan.trainsRetriever()) {
            runRetrieverStages();
            return;
        }
        ResumePoint resume = resumePoint();
        if (resume.checkpoint() != null) {
            model = LlamaModel.load(resume.checkpoint(), Device.cpu(), contextLength(LlamaConfig.read(resume.checkpoint())));
            tokenizerSource = keepTokenizerFiles(resume.checkpoint());
        } else {
            loadBase();
        }
        Tokenizer tokenizer = Tokenizers.load(tokenizerSource);
        if (resume.checkpoint() != null && resume.trainerState() == null && resume.firstStage() > 0) {
            // The stage that checkpoint ended may have been stopped in its evaluation, and its
            // metrics snapshot predates the evaluation line: finish or restore it.
            evaluateStage(resume.firstStage() - 1, tokenizer, resume.checkpoint());
        }
        for (int s = resume.firstStage(); s < plan.stages().size(); s++) {
            boolean first = s == resume.firstStage();
            runStage(s, tokenizer, first ? resume.startStep() : 0, first ? resume.trainerState() : null, resume.checkpoint());
        }
    }

    /**
     * Where the run goes on from: nothing (a fresh run, checkpoint null) or its last checkpoint, whose
     * metrics replace the run's (steps after the checkpoint are redone). {@code trainerState} is null
     * when the checkpoint ended its stage, which resumes at the next stage's start.
     */
    private record ResumePoint(Path checkpoint, int firstStage, int startStep, JsonNode trainerState) {
    }

    private ResumePoint resumePoint() throws IOException {
        Path resumeFrom = status.lastCheckpoint == null ? null : Path.of(status.lastCheckpoint);
        if (resumeFrom == null || !Files.isRegularFile(resumeFrom.resolve(TRAINER_STATE))) {
            return new ResumePoint(null, 0, 0, null);
        }
        JsonNode trainerState = TrainingPlan.JSON.readTree(Files.readString(resumeFrom.resolve(TRAINER_STATE)));
        Files.copy(resumeFrom.resolve(METRICS), dir.resolve(METRICS), StandardCopyOption.REPLACE_EXISTING);
        int firstStage = trainerState.get("stageIndex").asInt();
        int startStep = 0;
        status.tokensSeen = trainerState.get("tokensSeen").asLong();
        if (trainerState.get("stageDone").asBoolean()) {
            firstStage++;
            trainerState = null;
        } else {
            startStep = trainerState.get("step").asInt();
        }
        status.resumes++;
        metric(Map.of("type", "resume", "checkpoint", resumeFrom.toString(), "stage", firstStage, "step", startStep));
        return new ResumePoint(resumeFrom, firstStage, startStep, trainerState);
    }

    private void loadBase() throws IOException {
        if (base == null || !base.randomInit()) {
            Path modelDir = base.modelDir(dataRoot);
            model = LlamaModel.load(modelDir, Device.cpu(), contextLength(LlamaConfig.read(modelDir)));
            tokenizerSource = modelDir;
            return;
        }
        Path tokenizerPath = base.tokenizerPath(dataRoot);
        Tokenizer tokenizer = Tokenizers.load(tokenizerPath);
        int heads = base.numAttentionHeads();
        int maxSeq = plan.stages().stream().mapToInt(TrainingPlan.Stage::seqLen).max().orElse(256);
        LlamaConfig config = new LlamaConfig(base.hiddenSize(), base.intermediateSize(), base.numHiddenLayers(), heads,
                base.numKeyValueHeads() == null ? heads : base.numKeyValueHeads(), base.hiddenSize() / heads, 1e-5, 10000.0,
                null, base.maxPositionEmbeddings() == null ? Math.max(maxSeq, 512) : base.maxPositionEmbeddings(),
                base.vocabSize() == null ? tokenizer.vocabSize() : base.vocabSize(), true, tokenizer.bosId(),
                List.of(tokenizer.eosId()), "float32");
        model = LlamaModel.random(config, plan.seed(), Device.cpu(), contextLength(config));
        // A tokenizer file is copied into checkpoints under its standard name; a directory's tokenizer files as they are.
        if (Files.isDirectory(tokenizerPath)) {
            tokenizerSource = tokenizerPath;
        } else {
            tokenizerSource = Files.createDirectories(dir.resolve("tokenizer"));
            String name = tokenizerPath.getFileName().toString();
            String standard = name.endsWith(".json") ? "tokenizer.json" : name.endsWith(".bin") ? "tokenizer.bin" : "tokenizer.model";
            Files.copy(tokenizerPath, tokenizerSource.resolve(standard), StandardCopyOption.REPLACE_EXISTING);
            for (String extra : List.of("tokenizer_config.json", "special_tokens_map.json")) {
                Path sibling = tokenizerPath.resolveSibling(extra);
                if (Files.isRegularFile(sibling)) {
                    Files.copy(sibling, tokenizerSource.resolve(extra), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Copies the tokenizer files of {@code checkpoint} into the run's own {@code tokenizer/}, where
     * later checkpoints copy them from: a mid-stage checkpoint is deleted once the next one is
     * written, and checkpoints written after that would otherwise have no tokenizer.
     */
    private Path keepTokenizerFiles(Path checkpoint) throws IOException {
        Path kept = Files.createDirectories(dir.resolve("tokenizer"));
        for (String f : TOKENIZER_FILES) {
            if (Files.isRegularFile(checkpoint.resolve(f))) {
                Files.copy(checkpoint.resolve(f), kept.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return kept;
    }

    private int contextLength(LlamaConfig config) {
        int maxSeq = plan.stages().stream().mapToInt(TrainingPlan.Stage::seqLen).max().orElse(256);
        if (maxSeq > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("the plan's longest seqLen " + maxSeq + " exceeds the model's max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        return maxSeq;
    }

    private void runStage(int stageIndex, Tokenizer tokenizer, int startStep, JsonNode trainerState, Path resumeFrom)
            throws IOException {
        TrainingPlan.Stage stage = plan.stages().get(stageIndex);
        StageData data = new StageData(plan, stageIndex, dataRoot, tokenizer, distractors);
        status.stageIndex = stageIndex;
        status.stage = stage.name();
        status.stageSteps = data.totalSteps();
        status.step = startStep;
        if (startStep == 0) {
            status.malformedRecords += data.problems().size();
            for (String p : data.problems()) {
                if (status.dataProblems.size() < MAX_REPORTED_PROBLEMS) {
                    status.dataProblems.add(p);
                }
            }
            metric(Map.of("type", "stage", "stage", stage.name(), "steps", data.totalSteps(),
                    "trainRecords", data.trainRecords(), "malformed", data.problems().size()));
        }
        save();
        event("stage", Map.of("stage", stage.name(), "index", stageIndex, "steps", data.totalSteps()));
        stageStartNanos = System.nanoTime();
        try (TrainableWeights weights = stage.lora() == null ? TrainableWeights.full(model)
                : TrainableWeights.lora(model, stage.lora(), plan.seed() + stageIndex);
             AdamW optimizer = new AdamW(model.manager())) {
            if (trainerState != null) {
                if (weights.isLora()) {
                    weights.restoreAdapters(resumeFrom.resolve(LORA));
                }
                optimizer.load(resumeFrom.resolve(OPTIMIZER), weights.trainable(), trainerState.get("adamSteps").asInt());
            }
            Trainer.trainStage(plan, stage, data, model, weights, optimizer, startStep, new Trainer.Hooks() {
                @Override
                public void checkContinue() {
                    TrainingRun.this.checkContinue();
                }

                @Override
                public void onStep(Trainer.StepMetrics m) {
                    recordStep(stage, stageIndex, m);
                }

                @Override
                public void onValidation(int completedSteps, double loss) {
                    status.validationLoss = loss;
                    metric(Map.of("type", "validation", "stage", stage.name(), "step", completedSteps, "loss", loss));
                    event("validation", Map.of("stage", stage.name(), "step", completedSteps, "loss", loss));
                }

                @Override
                public void checkpoint(int completedSteps) throws IOException {
                    writeCheckpoint(stage.name() + "-step" + completedSteps, stageIndex, completedSteps, false, weights, optimizer);
                }
            });
            if (weights.isLora()) {
                weights.merge();
            }
            summarize(stage, data.totalSteps());
            writeCheckpoint(stage.name(), stageIndex, data.totalSteps(), true, weights, null);
        }
        status.finalCheckpoint = status.lastCheckpoint;
        save();
        evaluateStage(stageIndex, tokenizer, dir.resolve("checkpoints").resolve(stage.name()));
    }

    /**
     * Runs the stage's {@code evaluate} tasks on the model in memory, which is the stage's final
     * checkpoint (adapters merged), and stores the report in {@code EVALUATION} inside that
     * checkpoint, in the metrics log (type {@code evaluation}) and in the run's state. When the
     * checkpoint already holds a report (a resumed run), that report is restored instead.
     */
    private void evaluateStage(int stageIndex, Tokenizer tokenizer, Path checkpoint) throws IOException {
        TrainingPlan.Stage stage = plan.stages().get(stageIndex);
        if (stage.evaluate() == null) {
            return;
        }
        Path file = checkpoint.resolve(EVALUATION);
        ModelEvaluation.Report report;
        if (Files.isRegularFile(file)) {
            report = TrainingPlan.JSON.readValue(Files.readString(file), ModelEvaluation.Report.class);
        } else {
            event("evaluation-started", Map.of("stage", stage.name(), "tasks", stage.evaluate().tasks()));
            LogLikelihoodScorer scorer = new LogLikelihoodScorer(model, tokenizer, LogLikelihoodScorer.OUTPUT_BATCH);
            report = ModelEvaluation.run(scorer, checkpoint.toString(), dataRoot, stage.evaluate().options(), null,
                    (task, done, total) -> event("evaluation-progress",
                            Map.of("stage", stage.name(), "task", task, "done", done, "total", total)),
                    () -> cancelRequested.getAsBoolean() || Thread.currentThread().isInterrupted());
            checkContinue();
            if (report.cancelled()) {
                throw new Stopped(true);
            }
            AtomicFiles.writeString(file, TrainingPlan.JSON.writeValueAsString(report));
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "evaluation");
        line.put("stage", stage.name());
        line.put("checkpoint", checkpoint.toString());
        line.put("report", report);
        metric(line);
        status.evaluations.removeIf(e -> e.stage().equals(stage.name()));
        status.evaluations.add(new RunStatus.StageEvaluation(stage.name(), checkpoint.toString(), report));
        save();
        event("evaluation", Map.of("stage", stage.name(), "report", report));
    }

    /** A retriever plan: the same run life cycle (state, metrics, checkpoints, resume), with the dense encoder as the model. */
    private void runRetrieverStages() throws IOException {
        ResumePoint resume = resumePoint();
        for (int s = resume.firstStage(); s < plan.stages().size(); s++) {
            boolean first = s == resume.firstStage();
            runRetrieverStage(s, first ? resume.startStep() : 0, first ? resume.trainerState() : null,
                    status.lastCheckpoint == null ? null : Path.of(status.lastCheckpoint));
        }
        status.finalCheckpoint = status.lastCheckpoint;
        save();
    }

    private void runRetrieverStage(int stageIndex, int startStep, JsonNode trainerState, Path previous) throws IOException {
        TrainingPlan.Stage stage = plan.stages().get(stageIndex);
        TrainingPlan.Retriever settings = stage.retriever();
        Path corpusDir = null;
        Map<String, Path> labelled = new LinkedHashMap<>();
        List<TrainingPlan.DatasetSpec> questionSets = new ArrayList<>();
        for (TrainingPlan.DatasetSpec d : stage.datasets()) {
            if ("statutes".equals(d.format())) {
                corpusDir = dataRoot.resolve(d.path());
            } else if (TrainingPlan.LABELLED_ARTICLES.equals(d.format())) {
                labelled.put(Path.of(d.path()).getFileName().toString(), dataRoot.resolve(d.path()));
            } else {
                questionSets.add(d);
            }
        }
        List<Article> corpus = DatasetReaders.currentArticles(corpusDir);
        RetrieverData data;
        if (settings.distilQueryEncoder()) {
            data = RetrieverData.load(corpus, labelled, (question, earlier, k) -> List.of(), 0);   // no negatives to mine
        } else {
            data = RetrieverData.load(corpus, labelled, cachedNearMisses(corpus, settings.nearMisses()), settings.nearMisses());
            saveNearMisses();
        }
        int total = stage.steps();
        status.stageIndex = stageIndex;
        status.stage = stage.name();
        status.stageSteps = total;
        status.step = startStep;
        if (startStep == 0) {
            status.malformedRecords += data.problems().size();
            data.problems().stream().limit(MAX_REPORTED_PROBLEMS).forEach(status.dataProblems::add);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "stage");
            line.put("stage", stage.name());
            line.put("steps", total);
            line.put("articles", corpus.size());
            line.put("trainRecords", data.fit().size());
            line.put("validationRecords", data.validation().size());
            line.put("withNearMisses", data.fit().stream().filter(p -> !p.nearMisses().isEmpty()).count());
            line.put("unresolvedGold", data.goldUnresolved());
            metric(line);
        }
        save();
        event("stage", Map.of("stage", stage.name(), "index", stageIndex, "steps", total));
        stageStartNanos = System.nanoTime();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
             DenseEncoder encoder = trainerState != null || stageIndex > 0 ? DenseEncoder.load(previous, root)
                     : plan.startsFromRetrieverModel() ? DenseEncoder.load(base.modelDir(dataRoot), root)
                     : newEncoder(settings, corpus, data, root);
             RetrieverTraining trainer = retrieverTraining(stage, stageIndex, settings, encoder, data, corpus, questionSets,
                     startStep == 0);
             AdamW optimizer = new AdamW(encoder.manager())) {
            if (trainerState != null) {
                optimizer.load(previous.resolve(OPTIMIZER), trainer.parameters(), trainerState.get("adamSteps").asInt());
            }
            if (startStep == 0) {
                retrieverValidation(stage, 0, trainer);
            }
            for (int step = startStep; step < total; step++) {
                checkContinue();
                long start = System.nanoTime();
                double lr = stage.learningRate(step, total);
                RetrieverTrainer.StepResult r = trainer.step(step, optimizer, lr, stage.weightDecay(), stage.gradClip());
                int done = step + 1;
                // For the retriever, "tokens" are the questions trained on.
                recordStep(stage, stageIndex, new Trainer.StepMetrics(done, total, r.loss(), lr, r.gradNorm(), r.queries(),
                        r.queries(), (System.nanoTime() - start) / 1e9));
                if (done % plan.evalEvery() == 0 || done == total) {
                    retrieverValidation(stage, done, trainer);
                }
                if (done % plan.checkpointEvery() == 0 && done < total) {
                    writeRetrieverCheckpoint(stage.name() + "-step" + done, stageIndex, done, false, encoder, optimizer);
                }
            }
            summarize(stage, total);
            if (settings.pretrained() != null && encoder.pretrained().isEmpty()) {
                // Frozen, so only the final model needs it: training and validation ran on the n-gram part alone.
                long started = System.nanoTime();
                encoder.attachPretrained(settings.pretrained(), BertEncoder.bundled(settings.pretrained(), encoder.manager()),
                        settings.pretrainedWeight());
                event("pretrained", Map.of("stage", stage.name(), "encoder", settings.pretrained(),
                        "weight", settings.pretrainedWeight(), "loadSeconds", (System.nanoTime() - started) / 1e9));
            }
            writeRetrieverCheckpoint(stage.name(), stageIndex, total, true, encoder, null);
        }
    }

    static final String NEAR_MISSES = "near-misses.json";
    private Map<String, List<String>> nearMissCache;

    /**
     * The lexical near misses of each labelled question, searched once per run and kept in the run
     * directory: a resumed run trains on the same hard negatives without searching again.
     */
    private RetrieverData.NearMisses cachedNearMisses(List<Article> corpus, int expected) throws IOException {
        Path file = dir.resolve(NEAR_MISSES);
        nearMissCache = new LinkedHashMap<>();
        if (Files.isRegularFile(file)) {
            JsonNode saved = TrainingPlan.JSON.readTree(Files.readString(file));
            saved.properties().forEach(e -> {
                List<String> ids = new ArrayList<>();
                e.getValue().forEach(id -> ids.add(id.asString()));
                nearMissCache.put(e.getKey(), ids);
            });
        }
        Map<String, Article> byId = new java.util.HashMap<>();
        corpus.forEach(a -> byId.put(a.id(), a));
        int[] searched = {0};
        return (question, earlier, k) -> {
            String key = question + "\u0000" + String.join("\u0000", earlier);
            List<String> ids = nearMissCache.get(key);
            if (ids == null) {
                checkContinue();   // searching every question takes minutes: a cancel or shutdown is honoured here too
                ids = distractors.nearMisses(question, earlier, k).stream().map(Article::id).toList();
                nearMissCache.put(key, ids);
                if (++searched[0] % 250 == 0) {
                    event("data", Map.of("nearMissesSearched", searched[0]));
                    org.slf4j.LoggerFactory.getLogger(TrainingRun.class).info("Hard negatives: searched {} questions", searched[0]);
                }
            }
            return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
        };
    }

    private void saveNearMisses() throws IOException {
        if (nearMissCache != null && nearMissCache.values().stream().anyMatch(l -> !l.isEmpty())) {
            AtomicFiles.writeString(dir.resolve(NEAR_MISSES), TrainingPlan.JSON.writeValueAsString(nearMissCache));
        }
    }

    private DenseEncoder newEncoder(TrainingPlan.Retriever settings, List<Article> corpus, RetrieverData data, NDManager root) {
        List<String> texts = new ArrayList<>(corpus.size() + data.fit().size());
        corpus.forEach(a -> texts.add(DenseEncoder.articleText(a, DenseEncoder.MAX_ARTICLE_CHARS)));
        data.fit().forEach(p -> texts.add(p.query()));
        NgramVocabulary vocabulary = NgramVocabulary.build(texts, settings.minUnitCount(), settings.vocabSize());
        List<String> memory = settings.memory()
                ? data.fit().stream().flatMap(p -> p.gold().stream()).map(DenseEncoder::memoryKey).distinct().sorted().toList()
                : List.of();
        return DenseEncoder.random(vocabulary, settings.dims(), memory, plan.seed(), root);
    }

    /**
     * The stage's trainer: the n-gram encoder's contrastive training, or with
     * {@code distilQueryEncoder} a question encoder distilled from the model's pretrained encoder
     * (which first encodes every text it learns from, reported as events).
     */
    private RetrieverTraining retrieverTraining(TrainingPlan.Stage stage, int stageIndex, TrainingPlan.Retriever settings,
                                                DenseEncoder encoder, RetrieverData data, List<Article> corpus,
                                                List<TrainingPlan.DatasetSpec> questionSets, boolean firstStart) {
        long seed = plan.seed() + stageIndex;
        if (!settings.distilQueryEncoder()) {
            return new RetrieverTrainer(encoder, data, new RetrieverTrainer.Settings(stage.batchSize(),
                    settings.selfSupervisedShare(), settings.hardNegatives(), settings.randomNegatives(), settings.unitDropout(),
                    settings.temperature(), seed));
        }
        if (encoder.pretrained().isEmpty()) {
            throw new IllegalStateException("stage " + stage.name() + " distils the pretrained encoder's question side, but the model "
                    + "it starts from has no pretrained encoder");
        }
        List<String> questions = new ArrayList<>();
        data.fit().forEach(p -> questions.add(p.query()));
        for (TrainingPlan.DatasetSpec d : questionSets) {
            DatasetReaders.Read read = DatasetReaders.read(d.format(), dataRoot.resolve(d.path()), d.limit());
            if (firstStart) {    // a resumed run reads them again, but has counted them already
                read.problems().stream().limit(MAX_REPORTED_PROBLEMS).forEach(status.dataProblems::add);
                status.malformedRecords += read.malformed();
            }
            for (Example e : read.examples()) {
                if (e instanceof Example.Dialogue dialogue && !dialogue.turns().isEmpty()) {
                    List<String> asked = dialogue.turns().stream().map(Example.Turn::human).toList();
                    questions.add(DenseEncoder.queryText(asked.get(asked.size() - 1), asked.subList(0, asked.size() - 1)));
                }
            }
        }
        List<String> texts = QueryDistiller.trainingTexts(questions, corpus, settings.selfSupervisedShare(), seed);
        long started = System.nanoTime();
        int[] reported = {0};
        QueryDistiller distiller = new QueryDistiller(encoder, texts, data, new QueryDistiller.Settings(stage.batchSize(),
                settings.dims(), settings.unitDropout(), settings.randomNegatives(), seed),
                dir.resolve("teacher-vectors-" + stage.name() + ".bin"), encoded -> {
                    checkContinue();
                    if (encoded - reported[0] >= 1024 || encoded == texts.size()) {
                        reported[0] = encoded;
                        event("data", Map.of("textsEncoded", encoded, "texts", texts.size()));
                    }
                });
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "distillation");
        line.put("stage", stage.name());
        line.put("questions", questions.size());
        line.put("statuteSentences", texts.size() - questions.size());
        line.put("teacherSeconds", (System.nanoTime() - started) / 1e9);
        line.put("teacherVectors", distiller.teacherVectorsReused() ? "reused" : "computed");
        metric(line);
        return distiller;
    }

    /** Validation: the held-out questions' loss, and their recall@3 among a pool of articles. */
    private void retrieverValidation(TrainingPlan.Stage stage, int completedSteps, RetrieverTraining trainer) {
        RetrieverTraining.Validation v = trainer.validate();
        if (Double.isNaN(v.recallAt3())) {
            return;
        }
        status.validationLoss = v.loss();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "validation");
        line.put("stage", stage.name());
        line.put("step", completedSteps);
        line.put("loss", v.loss());
        line.put("recallAt3", v.recallAt3());
        line.put("pool", v.pool());
        metric(line);
        event("validation", line);
    }

    private void writeRetrieverCheckpoint(String name, int stageIndex, int completedSteps, boolean stageDone, DenseEncoder encoder,
                                          AdamW optimizer) throws IOException {
        Path target = dir.resolve("checkpoints").resolve(name);
        Checkpoints.writeAtomically(target, tmp -> {
            // A stage's final model is what gets served: half-precision weights; mid-stage ones resume exactly.
            encoder.writeTo(tmp, stageDone ? SafetensorsReader.DType.F16 : SafetensorsReader.DType.F32);
            writeRunState(tmp, stageIndex, completedSteps, stageDone, optimizer);
        });
        checkpointWritten(target, stageIndex, completedSteps);
    }

    private void recordStep(TrainingPlan.Stage stage, int stageIndex, Trainer.StepMetrics m) {
        status.step = m.step();
        status.tokensSeen += m.tokens();
        status.trainLoss = m.loss();
        if (!Double.isFinite(m.gradNorm())) {
            status.skippedSteps++;
        }
        double tps = m.tokens() / Math.max(m.seconds(), 1e-9);
        emaTokensPerSecond = emaTokensPerSecond == 0 ? tps : 0.8 * emaTokensPerSecond + 0.2 * tps;
        emaSecondsPerStep = emaSecondsPerStep == 0 ? m.seconds() : 0.8 * emaSecondsPerStep + 0.2 * m.seconds();
        status.tokensPerSecond = emaTokensPerSecond;
        long remaining = m.totalSteps() - m.step();
        for (int s = stageIndex + 1; s < plan.stages().size(); s++) {
            TrainingPlan.Stage later = plan.stages().get(s);
            remaining += later.steps() > 0 ? later.steps() : m.totalSteps();
        }
        status.etaSeconds = Math.round(remaining * emaSecondsPerStep);
        if (m.step() % plan.logEvery() == 0 || m.step() == m.totalSteps()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "step");
            line.put("stage", stage.name());
            line.put("step", m.step());
            line.put("steps", m.totalSteps());
            line.put("loss", m.loss());
            line.put("lr", m.lr());
            line.put("gradNorm", m.gradNorm());
            line.put("tokens", status.tokensSeen);
            line.put("tokensPerSecond", tps);
            metric(line);
            saveQuietly();
            event("step", line);
        }
    }

    /** The stage's loss at start and end, from the metrics log (so a resumed stage's summary is whole). */
    private void summarize(TrainingPlan.Stage stage, int steps) throws IOException {
        List<Double> losses = new ArrayList<>();
        List<Double> validations = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(METRICS), StandardCharsets.UTF_8)) {
            JsonNode n = TrainingPlan.JSON.readTree(line);
            if (!stage.name().equals(n.path("stage").asString(""))) {
                continue;
            }
            if (!n.path("loss").isNumber()) {
                continue;       // NaN and infinities are written as strings
            }
            if (n.path("type").asString("").equals("step")) {
                losses.add(n.get("loss").asDouble());
            } else if (n.path("type").asString("").equals("validation")) {
                validations.add(n.get("loss").asDouble());
            }
        }
        int k = Math.max(1, Math.min(5, losses.size() / 4));
        double first = losses.stream().limit(k).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double last = losses.stream().skip(Math.max(0, losses.size() - k)).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        status.stages.removeIf(s -> s.name().equals(stage.name()));
        status.stages.add(new RunStatus.StageSummary(stage.name(), steps, first, last,
                validations.isEmpty() ? null : validations.get(0),
                validations.isEmpty() ? null : validations.get(validations.size() - 1),
                (System.nanoTime() - stageStartNanos) / 1e9, dir.resolve("checkpoints").resolve(stage.name()).toString()));
    }

    private void writeCheckpoint(String name, int stageIndex, int completedSteps, boolean stageDone, TrainableWeights weights,
                                 AdamW optimizer) throws IOException {
        Path target = dir.resolve("checkpoints").resolve(name);
        Checkpoints.writeAtomically(target, tmp -> {
            try (NDManager scope = model.manager().newSubManager()) {
                Map<String, NDArray> exported = weights.exportWeights(scope);
                model.config().write(tmp, "float32");
                SafetensorsWriter.write(tmp, exported, SafetensorsReader.DType.F32, 0);
            }
            for (String f : TOKENIZER_FILES) {
                if (Files.isRegularFile(tokenizerSource.resolve(f))) {
                    Files.copy(tokenizerSource.resolve(f), tmp.resolve(f));
                }
            }
            writeRunState(tmp, stageIndex, completedSteps, stageDone, optimizer);
            if (!stageDone && weights.isLora()) {
                weights.saveAdapters(tmp.resolve(LORA));
            }
        });
        checkpointWritten(target, stageIndex, completedSteps);
    }

    /** Records a checkpoint just written as the run's last; drops the mid-stage one it replaces. */
    private void checkpointWritten(Path target, int stageIndex, int completedSteps) throws IOException {
        String previous = status.lastCheckpoint;
        status.lastCheckpoint = target.toString();
        save();
        // A mid-stage checkpoint is only needed until the next one is safely written.
        if (previous != null && !previous.equals(status.lastCheckpoint) && Path.of(previous).getFileName().toString().contains("-step")
                && Path.of(previous).startsWith(dir)) {
            deleteRecursively(Path.of(previous));
        }
        metric(Map.of("type", "checkpoint", "stage", plan.stages().get(stageIndex).name(), "step", completedSteps,
                "path", target.toString()));
        event("checkpoint", Map.of("path", target.toString(), "step", completedSteps));
    }

    /**
     * What every checkpoint carries besides the model: the plan, the metrics so far and
     * {@code trainer_state.json}; mid-stage, the AdamW moments too (with the step they belong to).
     */
    private void writeRunState(Path tmp, int stageIndex, int completedSteps, boolean stageDone, AdamW optimizer) throws IOException {
        Files.copy(dir.resolve(PLAN), tmp.resolve(PLAN));
        Files.copy(dir.resolve(METRICS), tmp.resolve(METRICS));
        ObjectNode state = TrainingPlan.JSON.createObjectNode();
        state.put("stageIndex", stageIndex);
        state.put("stage", plan.stages().get(stageIndex).name());
        state.put("step", completedSteps);
        state.put("stageDone", stageDone);
        state.put("tokensSeen", status.tokensSeen);
        if (!stageDone) {
            state.put("adamSteps", optimizer.steps());
            optimizer.save(tmp.resolve(OPTIMIZER));
        }
        Files.writeString(tmp.resolve(TRAINER_STATE), TrainingPlan.JSON.writeValueAsString(state));
    }

    /** Throws to stop the run: {@link Stopped} cancelled (final) or interrupted by a shutdown (the run resumes at the next start). */
    private void checkContinue() {
        if (cancelRequested.getAsBoolean()) {
            throw new Stopped(true);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new Stopped(false);
        }
    }

    private void metric(Map<String, ?> line) {
        try {
            Files.writeString(dir.resolve(METRICS), TrainingPlan.JSON_LINE.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(METRICS), e);
        }
    }

    private void event(String type, Object data) {
        try {
            listener.onEvent(type, data);
        } catch (RuntimeException ignored) {
            // A listener (a closed SSE connection) must never stop the training.
        }
    }

    private void save() throws IOException {
        writeStatus(dir, status);
    }

    private void saveQuietly() {
        try {
            save();
        } catch (IOException e) {
            // The next save retries; the state in memory is still right.
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
