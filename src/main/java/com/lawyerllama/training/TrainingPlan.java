package com.lawyerllama.training;

import com.lawyerllama.evaluation.EvaluationException;
import com.lawyerllama.evaluation.ModelEvaluation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a training run does, as data: the stages in order (S1 → S4 → S7 → S9 → S12), each with
 * its objective, data mix and optimisation settings. The training loop is one function; the
 * stages differ only in the values here.
 *
 * <p>Dataset paths are relative to the data root ({@code lawyer.training.data-root}, default
 * {@code ../shared/data}). Built-in plans live in {@code src/main/resources/plans/NAME.json}.
 *
 * @param name               a label for humans
 * @param seed               every random choice (init, data order, LoRA init) derives from it
 * @param validationFraction share of each dataset's records held out for validation loss
 * @param evalEvery          optimizer steps between validation passes (also run at each stage's start and end)
 * @param evalBatches        batches per validation pass
 * @param checkpointEvery    optimizer steps between checkpoints (a checkpoint is also written at each stage's end)
 * @param logEvery           optimizer steps between metrics lines
 */
public record TrainingPlan(String name, long seed, double validationFraction, int evalEvery, int evalBatches,
                           int checkpointEvery, int logEvery, List<Stage> stages) {

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    /** One JSON value per line (metrics.jsonl). */
    static final tools.jackson.databind.ObjectWriter JSON_LINE = JSON.writer().without(SerializationFeature.INDENT_OUTPUT);

    public static final String CAUSAL_LM = "causal-lm";
    public static final String SFT = "sft";
    /** Contrastive training of the dense article retriever (see {@link Retriever}). */
    public static final String RETRIEVER = "retriever";
    /** The retriever's labelled data: questions with the articles that answer them (Lawyer LLaMA {query, laws}, LawBench 3-2). */
    public static final String LABELLED_ARTICLES = "labelled-articles";
    public static final Set<String> LORA_TARGETS = Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public TrainingPlan {
        stages = stages == null ? List.of() : List.copyOf(noNulls(stages, "stages"));
        name = name == null ? "unnamed" : name;
    }

    /** The list, when none of its items is null (a JSON {@code null} in an array): the field's name says where. */
    static <T> List<T> noNulls(List<T> items, String field) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "] is null");
            }
        }
        return items;
    }

    /**
     * One stage.
     *
     * @param objective     {@code causal-lm} (every token of packed raw text is a target) or {@code sft}
     *                      (only answer tokens carry loss)
     * @param steps         optimizer steps; 0 to derive them from {@code epochs}
     * @param epochs        passes over the training split (used when {@code steps} is 0)
     * @param seqLen        tokens per sequence
     * @param batchSize     sequences per micro-batch
     * @param gradAccum     micro-batches per optimizer step
     * @param lr            peak learning rate, reached after {@code warmupSteps}, then cosine decay to {@code minLr}
     * @param gradClip      global gradient-norm limit; 0 for none
     * @param lora          null for full fine-tuning
     * @param distractorShare for SFT with articles: chance that an example's articles get irrelevant ones mixed in
     * @param retriever     for objective {@code retriever}: the encoder's shape and the batch mix ({@code batchSize} queries a step)
     * @param evaluate      evaluations run on the stage's final checkpoint when it is written, or null for none
     */
    public record Stage(String name, String objective, List<DatasetSpec> datasets, int steps, double epochs,
                        int seqLen, int batchSize, Integer gradAccum, double lr, Double minLr, int warmupSteps,
                        double weightDecay, double gradClip, Lora lora, double distractorShare, Retriever retriever,
                        Evaluate evaluate) {
        public Stage {
            datasets = datasets == null ? List.of() : List.copyOf(noNulls(datasets, "datasets"));
        }

        public int accumulation() {
            return gradAccum == null ? 1 : gradAccum;
        }

        public double finalLr() {
            return minLr == null ? lr / 10 : minLr;
        }

        /** Learning rate at optimizer step {@code step} (0-based) of {@code total}: linear warmup, then cosine decay. */
        public double learningRate(int step, int total) {
            if (step < warmupSteps) {
                return lr * (step + 1) / warmupSteps;
            }
            int decaySteps = Math.max(1, total - warmupSteps);
            double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
            return finalLr() + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - finalLr());
        }
    }

    /**
     * A dataset in a stage's mix.
     *
     * @param format   see {@link DatasetReaders#FORMATS}
     * @param path     relative to the data root (a file, or a folder for {@code statutes})
     * @param weight   mixing weight; a stage's weights are normalised to shares
     * @param limit    read at most this many records (0: all); keeps small presets small
     * @param articles for dialogue formats that carry articles: put them in the prompt (参考法条)
     */
    public record DatasetSpec(String format, String path, double weight, int limit, Boolean articles) {
        public boolean withArticles() {
            return articles != null && articles;
        }
    }

    /**
     * The dense retriever's settings (objective {@code retriever}; datasets: one {@code statutes}
     * corpus, the search space and source of self-supervised pairs, and {@code labelled-articles} sets).
     *
     * @param dims                vector size
     * @param vocabSize           most character unigrams and bigrams kept
     * @param minUnitCount        least occurrences for a unit to be kept
     * @param temperature         softmax temperature of the contrastive loss
     * @param selfSupervisedShare share of each batch's queries that are inverse-cloze pairs from the corpus
     * @param hardNegatives       lexical near misses added per labelled query in a batch
     * @param nearMisses          near misses fetched per labelled question (from the BM25 retriever, when the index is up)
     * @param randomNegatives     random corpus articles added to each batch as negatives
     * @param unitDropout         share of a training text's units dropped at random
     * @param memory              give each article that a labelled question points at a learned memory row
     * @param pretrained          a bundled pretrained encoder that the final model carries beside the trained
     *                            one (frozen; {@code BertEncoder.BUNDLED}), or null for none
     * @param pretrainedWeight    its share of the score, in (0, 1), when {@code pretrained} is set
     * @param distilQueryEncoder  instead of training the n-gram encoder, distil the pretrained encoder of
     *                            the model the stage starts from (the run's base or an earlier stage's)
     *                            into a question encoder over character units
     *                            ({@code QueryDistiller}); then {@code dims} is the width of its unit
     *                            embeddings, {@code selfSupervisedShare} the share of statute sentences
     *                            among the texts it learns from, {@code randomNegatives} the random
     *                            articles that validation ranks among, and the datasets may add
     *                            unlabelled questions in the dialogue formats ({@code alpaca}, …)
     */
    public record Retriever(int dims, int vocabSize, int minUnitCount, double temperature, double selfSupervisedShare,
                            int hardNegatives, int nearMisses, int randomNegatives, double unitDropout, boolean memory,
                            String pretrained, double pretrainedWeight, boolean distilQueryEncoder) {
    }

    /**
     * The evaluations a stage runs on its final checkpoint ({@code eval model}'s tasks, zero-shot,
     * without chat format).
     *
     * @param tasks task names ({@code EvalTasks})
     * @param limit at most this many items per task, or null for all
     */
    public record Evaluate(List<String> tasks, Integer limit) {
        public Evaluate {
            tasks = tasks == null ? List.of() : List.copyOf(noNulls(tasks, "evaluate.tasks"));
        }

        public ModelEvaluation.Options options() {
            return new ModelEvaluation.Options(tasks, limit, 0, false);
        }
    }

    /** Low-rank adapters on the named projections; merged into the weights on export. */
    public record Lora(int rank, double alpha, List<String> targets) {
        public Lora {
            targets = targets == null ? List.of() : List.copyOf(noNulls(targets, "lora.targets"));
        }

        public double scale() {
            return alpha / rank;
        }
    }

    public static TrainingPlan fromJson(JsonNode node) {
        return JSON.treeToValue(node, TrainingPlan.class);
    }

    public static TrainingPlan read(Path file) throws IOException {
        return JSON.readValue(Files.readString(file), TrainingPlan.class);
    }

    /** A plan shipped with the application ({@code plans/NAME.json} on the classpath), or null. */
    public static TrainingPlan builtIn(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            return null;
        }
        try (InputStream in = TrainingPlan.class.getResourceAsStream("/plans/" + name + ".json")) {
            return in == null ? null : JSON.readValue(in, TrainingPlan.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the plan trains the dense retriever (its stages are all {@code retriever} stages) rather than the LLaMA. */
    public boolean trainsRetriever() {
        return !stages.isEmpty() && stages.stream().allMatch(st -> RETRIEVER.equals(st.objective()));
    }

    /** A retriever plan that starts from a trained retriever model (its first stage distils that model's question encoder). */
    public boolean startsFromRetrieverModel() {
        return trainsRetriever() && stages.get(0).retriever() != null && stages.get(0).retriever().distilQueryEncoder();
    }

    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    /** Every problem with this plan against {@code dataRoot}; empty when it can run. */
    public List<String> validate(Path dataRoot) {
        List<String> problems = new ArrayList<>();
        if (validationFraction < 0 || validationFraction >= 0.5) {
            problems.add("validationFraction must be in [0, 0.5), got " + validationFraction);
        }
        if (evalEvery < 1) {
            problems.add("evalEvery must be positive, got " + evalEvery);
        }
        if (evalBatches < 1) {
            problems.add("evalBatches must be positive, got " + evalBatches);
        }
        if (checkpointEvery < 1) {
            problems.add("checkpointEvery must be positive, got " + checkpointEvery);
        }
        if (logEvery < 1) {
            problems.add("logEvery must be positive, got " + logEvery);
        }
        if (stages.isEmpty()) {
            problems.add("a plan needs at least one stage");
        }
        if (!trainsRetriever() && stages.stream().anyMatch(st -> RETRIEVER.equals(st.objective()))) {
            problems.add("a retriever stage cannot share a plan with language-model stages");
        }
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            String at = "stages[" + i + "]" + (s.name() == null ? "" : " (" + s.name() + ")") + ": ";
            if (s.name() == null || !s.name().matches("[A-Za-z0-9_.-]+")) {
                problems.add(at + "name must be letters, digits, '.', '_' or '-', got " + s.name());
            } else if (!names.add(s.name())) {
                problems.add(at + "duplicate stage name");
            }
            boolean retriever = RETRIEVER.equals(s.objective());
            if (!CAUSAL_LM.equals(s.objective()) && !SFT.equals(s.objective()) && !retriever) {
                problems.add(at + "objective must be '" + CAUSAL_LM + "', '" + SFT + "' or '" + RETRIEVER + "', got " + s.objective());
            }
            if (retriever) {
                problems.addAll(validateRetriever(s, at, i));
            }
            if (s.evaluate() != null) {
                if (retriever) {
                    problems.add(at + "evaluate: a retriever stage has no language model to evaluate");
                } else {
                    try {
                        s.evaluate().options().validate();
                    } catch (EvaluationException e) {
                        problems.add(at + "evaluate: " + e.getMessage());
                    }
                }
            }
            if (s.steps() < 0 || (s.steps() == 0 && s.epochs() <= 0)) {
                problems.add(at + "steps must be positive (or steps 0 with positive epochs), got steps " + s.steps()
                        + ", epochs " + s.epochs());
            }
            if (s.seqLen() < 8 && !retriever) {
                problems.add(at + "seqLen must be at least 8, got " + s.seqLen());
            }
            if (s.batchSize() < 1) {
                problems.add(at + "batchSize must be positive, got " + s.batchSize());
            }
            if (s.accumulation() < 1) {
                problems.add(at + "gradAccum must be positive, got " + s.accumulation());
            }
            if (!(s.lr() > 0) || s.lr() > 1) {
                problems.add(at + "lr must be in (0, 1], got " + s.lr());
            }
            if (s.finalLr() < 0 || s.finalLr() > s.lr()) {
                problems.add(at + "minLr must be in [0, lr], got " + s.finalLr());
            }
            if (s.warmupSteps() < 0) {
                problems.add(at + "warmupSteps must not be negative, got " + s.warmupSteps());
            }
            if (s.weightDecay() < 0) {
                problems.add(at + "weightDecay must not be negative, got " + s.weightDecay());
            }
            if (s.gradClip() < 0) {
                problems.add(at + "gradClip must not be negative (0 turns clipping off), got " + s.gradClip());
            }
            if (s.distractorShare() < 0 || s.distractorShare() > 1) {
                problems.add(at + "distractorShare must be in [0, 1], got " + s.distractorShare());
            }
            if (s.lora() != null) {
                Lora l = s.lora();
                if (l.rank() < 1 || l.rank() > 256) {
                    problems.add(at + "lora.rank must be in [1, 256], got " + l.rank());
                }
                if (!(l.alpha() > 0)) {
                    problems.add(at + "lora.alpha must be positive, got " + l.alpha());
                }
                if (l.targets().isEmpty()) {
                    problems.add(at + "lora.targets must name at least one projection of " + LORA_TARGETS);
                }
                for (String t : l.targets()) {
                    if (!LORA_TARGETS.contains(t)) {
                        problems.add(at + "lora.targets: unknown projection '" + t + "' (known: " + LORA_TARGETS + ")");
                    }
                }
            }
            if (s.datasets().isEmpty()) {
                problems.add(at + "needs at least one dataset");
            }
            for (int j = 0; j < s.datasets().size(); j++) {
                DatasetSpec d = s.datasets().get(j);
                String dat = at + "datasets[" + j + "]: ";
                if (d.format() == null || d.format().isBlank()) {
                    problems.add(dat + "format is missing (known: " + DatasetReaders.FORMATS + ")");
                } else if (retriever) {
                    boolean distils = s.retriever() != null && s.retriever().distilQueryEncoder();
                    boolean questions = distils && DatasetReaders.FORMATS.contains(d.format()) && !DatasetReaders.isText(d.format());
                    if (!"statutes".equals(d.format()) && !LABELLED_ARTICLES.equals(d.format()) && !questions) {
                        problems.add(dat + "a retriever stage reads 'statutes' and '" + LABELLED_ARTICLES + "'"
                                + (distils ? " (and questions in a dialogue format)" : "") + ", got '" + d.format() + "'");
                    }
                } else if (!DatasetReaders.FORMATS.contains(d.format())) {
                    problems.add(dat + "unknown format '" + d.format() + "' (known: " + DatasetReaders.FORMATS + ")");
                } else if (CAUSAL_LM.equals(s.objective()) != DatasetReaders.isText(d.format())) {
                    problems.add(dat + "format '" + d.format() + "' does not fit objective " + s.objective());
                }
                if (d.path() == null || d.path().isBlank()) {
                    problems.add(dat + "path is missing");
                } else if (!Files.exists(dataRoot.resolve(d.path()))) {
                    problems.add(dat + "no such file or folder: " + dataRoot.resolve(d.path()).normalize());
                }
                if (!(d.weight() > 0)) {
                    problems.add(dat + "weight must be positive, got " + d.weight());
                }
                if (d.limit() < 0) {
                    problems.add(dat + "limit must not be negative, got " + d.limit());
                }
            }
        }
        return problems;
    }

    private List<String> validateRetriever(Stage s, String at, int index) {
        List<String> problems = new ArrayList<>();
        Retriever r = s.retriever();
        if (r == null) {
            problems.add(at + "a retriever stage needs its \"retriever\" settings (dims, vocabSize, …)");
            return problems;
        }
        long corpora = s.datasets().stream().filter(d -> "statutes".equals(d.format())).count();
        if (corpora != 1) {
            problems.add(at + "a retriever stage needs exactly one 'statutes' dataset (the articles to retrieve), got " + corpora);
        }
        if (r.dims() < 8 || r.dims() > 1024) {    // the n-gram vectors', or in distillation the student's unit embeddings
            problems.add(at + "retriever.dims must be in [8, 1024], got " + r.dims());
        }
        if (r.unitDropout() < 0 || r.unitDropout() >= 0.9) {
            problems.add(at + "retriever.unitDropout must be in [0, 0.9), got " + r.unitDropout());
        }
        if (r.distilQueryEncoder()) {
            boolean earlierAttaches = stages.subList(0, index).stream()
                    .anyMatch(e -> e.retriever() != null && e.retriever().pretrained() != null);
            if (index > 0 && !earlierAttaches) {
                problems.add(at + "retriever.distilQueryEncoder needs an earlier stage that attaches a pretrained encoder "
                        + "(or, as the first stage, a base model that has one)");
            }
            if (r.pretrained() != null) {
                problems.add(at + "retriever.pretrained cannot be set in a stage that distils the question encoder");
            }
            if (r.selfSupervisedShare() < 0 || r.selfSupervisedShare() >= 1) {
                problems.add(at + "retriever.selfSupervisedShare (statute sentences among the texts) must be in [0, 1), got "
                        + r.selfSupervisedShare());
            }
            if (r.randomNegatives() < 0 || r.randomNegatives() > 20_000) {
                problems.add(at + "retriever.randomNegatives (validation pool) must be in [0, 20000], got " + r.randomNegatives());
            }
            return problems;
        }
        if (r.vocabSize() < 100) {
            problems.add(at + "retriever.vocabSize must be at least 100, got " + r.vocabSize());
        }
        if (r.minUnitCount() < 1) {
            problems.add(at + "retriever.minUnitCount must be positive, got " + r.minUnitCount());
        }
        if (!(r.temperature() > 0) || r.temperature() > 10) {
            problems.add(at + "retriever.temperature must be in (0, 10], got " + r.temperature());
        }
        if (r.selfSupervisedShare() < 0 || r.selfSupervisedShare() > 1) {
            problems.add(at + "retriever.selfSupervisedShare must be in [0, 1], got " + r.selfSupervisedShare());
        }
        if (r.randomNegatives() < 0 || r.randomNegatives() > 4096) {
            problems.add(at + "retriever.randomNegatives must be in [0, 4096], got " + r.randomNegatives());
        }
        if (r.hardNegatives() < 0 || r.hardNegatives() > 8 || r.nearMisses() < 0 || r.nearMisses() > 50) {
            problems.add(at + "retriever.hardNegatives must be in [0, 8] and nearMisses in [0, 50], got "
                    + r.hardNegatives() + " and " + r.nearMisses());
        }
        if (r.pretrained() != null && !com.lawyerllama.retrieval.dense.BertEncoder.BUNDLED.containsKey(r.pretrained())) {
            problems.add(at + "retriever.pretrained must be one of " + com.lawyerllama.retrieval.dense.BertEncoder.BUNDLED.keySet()
                    + ", got '" + r.pretrained() + "'");
        }
        if (r.pretrained() != null && !(r.pretrainedWeight() > 0 && r.pretrainedWeight() < 1)) {
            problems.add(at + "retriever.pretrainedWeight must be in (0, 1) with a pretrained encoder, got " + r.pretrainedWeight());
        }
        return problems;
    }
}
