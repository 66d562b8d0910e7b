package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stage's data: its datasets read and split (train / held-out validation), and the batches
 * built from them. Every batch is a pure function of (plan seed, stage, step, micro-batch), so
 * a resumed run sees exactly the batches it would have seen.
 *
 * <p>Causal-LM batches pack documents (BOS text EOS BOS text EOS …) into full rows, every
 * position a target. SFT batches hold one dialogue per row, right-padded, with only the answer
 * tokens as targets.
 */
public final class StageData {
    private final TrainingPlan.Stage stage;
    private final Tokenizer tokenizer;
    private final SftEncoder sft;
    private final DistractorArticles distractors;
    private final long seed;
    private final List<Part> parts = new ArrayList<>();
    private final double totalWeight;
    private final List<String> problems = new ArrayList<>();

    private record Part(TrainingPlan.DatasetSpec spec, List<Example> train, List<Example> validation,
                        Map<Integer, int[]> tokenCache) {
    }

    /** One micro-batch: inputs and targets [B, T] int64, mask [B, T] float32 (1 where the target carries loss). */
    public record Batch(NDArray inputs, NDArray targets, NDArray mask, long tokens, long targetTokens) {
    }

    public StageData(TrainingPlan plan, int stageIndex, Path dataRoot, Tokenizer tokenizer, DistractorArticles distractors) {
        this.stage = plan.stages().get(stageIndex);
        this.tokenizer = tokenizer;
        this.sft = new SftEncoder(tokenizer);
        this.distractors = distractors;
        this.seed = plan.seed() * 1_000_003L + stageIndex;
        double weights = 0;
        for (TrainingPlan.DatasetSpec spec : stage.datasets()) {
            DatasetReaders.Read read = DatasetReaders.read(spec.format(), dataRoot.resolve(spec.path()), spec.limit());
            problems.addAll(read.problems().stream().map(p -> spec.path() + ": " + p).toList());
            List<Example> train = new ArrayList<>();
            List<Example> validation = new ArrayList<>();
            for (int i = 0; i < read.examples().size(); i++) {
                (DatasetReaders.isValidation(i, plan.validationFraction()) ? validation : train).add(read.examples().get(i));
            }
            if (validation.isEmpty() && plan.validationFraction() > 0 && train.size() > 1) {
                validation.add(train.remove(train.size() - 1));
            }
            if (train.isEmpty()) {
                throw new IllegalArgumentException(spec.path() + ": no usable records (" + read.malformed() + " malformed)");
            }
            parts.add(new Part(spec, train, validation, new ConcurrentHashMap<>()));
            weights += spec.weight();
        }
        this.totalWeight = weights;
    }

    /** Malformed records met while reading, each with its position. */
    public List<String> problems() {
        return problems;
    }

    public int trainRecords() {
        return parts.stream().mapToInt(p -> p.train().size()).sum();
    }

    /** Optimizer steps for the stage: {@code steps}, or enough steps for {@code epochs} passes (sequences ≈ records). */
    public int totalSteps() {
        if (stage.steps() > 0) {
            return stage.steps();
        }
        long perStep = (long) stage.batchSize() * stage.accumulation();
        return (int) Math.max(1, Math.ceil(stage.epochs() * trainRecords() / perStep));
    }

    public Batch trainBatch(int step, int micro, NDManager manager) {
        return batch(new Random(mix(seed, step, micro)), false, manager);
    }

    public Batch validationBatch(int index, NDManager manager) {
        return batch(new Random(mix(seed ^ 0x5DEECE66DL, -1 - index, 0)), true, manager);
    }

    private Batch batch(Random random, boolean validation, NDManager manager) {
        int b = stage.batchSize();
        int t = stage.seqLen();
        long[] inputs = new long[b * t];
        long[] targets = new long[b * t];
        float[] mask = new float[b * t];
        long tokens = 0;
        for (int row = 0; row < b; row++) {
            tokens += TrainingPlan.CAUSAL_LM.equals(stage.objective())
                    ? packRow(random, validation, row * t, inputs, targets, mask)
                    : sftRow(random, validation, row * t, inputs, targets, mask);
        }
        long targetTokens = 0;
        for (float m : mask) {
            targetTokens += (long) m;
        }
        Shape shape = new Shape(b, t);
        return new Batch(manager.create(inputs, shape), manager.create(targets, shape), manager.create(mask, shape),
                tokens, targetTokens);
    }

    /** Fills one row with packed documents; the first starts at a random offset so long documents are seen whole over time. */
    private int packRow(Random random, boolean validation, int at, long[] inputs, long[] targets, float[] mask) {
        int t = stage.seqLen();
        int[] row = new int[t + 1];
        int filled = 0;
        boolean first = true;
        while (filled < t + 1) {
            Part part = pickPart(random, validation);
            List<Example> pool = pool(part, validation);
            int index = random.nextInt(pool.size());
            int[] doc = part.tokenCache().computeIfAbsent(cacheKey(index, validation), k -> {
                int[] body = tokenizer.encode(((Example.Text) pool.get(index)).text(), tokenizer.addsBos());
                int[] withEos = java.util.Arrays.copyOf(body, body.length + 1);
                withEos[body.length] = tokenizer.eosId();
                return withEos;
            });
            int from = first && doc.length > t + 1 ? random.nextInt(doc.length - t) : 0;
            first = false;
            int n = Math.min(doc.length - from, t + 1 - filled);
            System.arraycopy(doc, from, row, filled, n);
            filled += n;
        }
        for (int i = 0; i < t; i++) {
            inputs[at + i] = row[i];
            targets[at + i] = row[i + 1];
            mask[at + i] = 1f;
        }
        return t;
    }

    /** One dialogue, cut to fit (keeping at least half the window on answers), right-padded with EOS and no loss. */
    private int sftRow(Random random, boolean validation, int at, long[] inputs, long[] targets, float[] mask) {
        int t = stage.seqLen();
        Part part = pickPart(random, validation);
        List<Example> pool = pool(part, validation);
        int index = random.nextInt(pool.size());
        Example.Dialogue dialogue = (Example.Dialogue) pool.get(index);
        SftEncoder.Encoded enc;
        if (part.spec().withArticles() && !dialogue.articles().isEmpty() && stage.distractorShare() > 0
                && random.nextDouble() < stage.distractorShare()) {
            enc = sft.encode(withDistractors(dialogue, random));
        } else {
            Example.Dialogue shown = part.spec().withArticles() ? dialogue : new Example.Dialogue(dialogue.turns(), List.of());
            int key = cacheKey(index, validation);
            int[] cached = part.tokenCache().get(key);
            enc = cached != null ? decodeCached(cached) : sft.encode(shown);
            if (cached == null) {
                part.tokenCache().put(key, encodeCached(enc));
            }
        }
        int[] ids = enc.ids();
        boolean[] isTarget = enc.target();
        int firstTarget = 1;
        while (firstTarget < ids.length - 1 && !isTarget[firstTarget]) {
            firstTarget++;
        }
        int start = Math.max(0, Math.min(firstTarget - t / 2, ids.length - (t + 1)));
        int n = Math.min(t, ids.length - 1 - start);
        for (int i = 0; i < t; i++) {
            if (i < n) {
                inputs[at + i] = ids[start + i];
                targets[at + i] = ids[start + i + 1];
                mask[at + i] = isTarget[start + i + 1] ? 1f : 0f;
            } else {
                inputs[at + i] = tokenizer.eosId();
                targets[at + i] = tokenizer.eosId();
            }
        }
        return n;
    }

    /** The example's articles plus one or two distractors, in random order. */
    private Example.Dialogue withDistractors(Example.Dialogue d, Random random) {
        String question = d.turns().get(d.turns().size() - 1).human();
        List<String> articles = new ArrayList<>(d.articles());
        articles.addAll(distractors.distractors(question, d.articles(), 1 + random.nextInt(2), random));
        java.util.Collections.shuffle(articles, random);
        return new Example.Dialogue(d.turns(), articles);
    }

    // Cached SFT encodings: ids with the target flag folded into the sign bit.
    private static int[] encodeCached(SftEncoder.Encoded e) {
        int[] c = new int[e.ids().length];
        for (int i = 0; i < c.length; i++) {
            c[i] = e.target()[i] ? ~e.ids()[i] : e.ids()[i];
        }
        return c;
    }

    private static SftEncoder.Encoded decodeCached(int[] c) {
        int[] ids = new int[c.length];
        boolean[] target = new boolean[c.length];
        for (int i = 0; i < c.length; i++) {
            target[i] = c[i] < 0;
            ids[i] = c[i] < 0 ? ~c[i] : c[i];
        }
        return new SftEncoder.Encoded(ids, target);
    }

    private Part pickPart(Random random, boolean validation) {
        double r = random.nextDouble() * totalWeight;
        Part chosen = parts.get(parts.size() - 1);
        for (Part p : parts) {
            r -= p.spec().weight();
            if (r < 0) {
                chosen = p;
                break;
            }
        }
        if (validation && chosen.validation().isEmpty()) {
            return parts.stream().filter(p -> !p.validation().isEmpty()).findFirst().orElse(chosen);
        }
        return chosen;
    }

    private static List<Example> pool(Part part, boolean validation) {
        return validation && !part.validation().isEmpty() ? part.validation() : part.train();
    }

    private static int cacheKey(int index, boolean validation) {
        return validation ? -1 - index : index;
    }

    static long mix(long seed, int a, int b) {
        long z = seed ^ (a * 0x9E3779B97F4A7C15L) ^ (b * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
