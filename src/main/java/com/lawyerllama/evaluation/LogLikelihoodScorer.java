package com.lawyerllama.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.KvCache;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores the options of a question by their log-likelihood under the model: for each option,
 * log P(option | context) = Σ over the option's tokens of log-softmax(logits)[token], the
 * logits computed by the engine's {@link LlamaModel}.
 *
 * <p>Tokens: the context is encoded with BOS; each option is encoded together with the context
 * ({@code context + option}) and its tokens are those after the longest prefix that all options
 * and the context share, so that the option's first token is the one the text really has (a
 * SentencePiece tokenizer gives a separately encoded option a leading space piece that the
 * joined text does not have). A context too long for the model loses tokens from its start
 * (BOS kept). The exact ids scored are returned, so another implementation can recompute
 * every number.
 *
 * <p>Batching: the shared context runs once through the model into a KV cache; all options of
 * the question (up to {@code optionBatch} at a time) then run as one batch of continuations
 * against copies of that cache, with right padding.
 */
public final class LogLikelihoodScorer implements AutoCloseable {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final int optionBatch;
    private final boolean owned;

    /** The ids of one option as scored, with its summed and per-token log-probabilities. */
    public record ScoredOption(int[] context, int[] continuation, double logprob, double[] tokenLogprobs) {
    }

    public LogLikelihoodScorer(LlamaModel model, Tokenizer tokenizer, int optionBatch) {
        this(model, tokenizer, optionBatch, false);
    }

    private LogLikelihoodScorer(LlamaModel model, Tokenizer tokenizer, int optionBatch, boolean owned) {
        if (optionBatch < 1) {
            throw new IllegalArgumentException("optionBatch must be positive");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.optionBatch = optionBatch;
        this.owned = owned;
    }

    /** Loads a Hugging Face model directory; a directory that is not a loadable model is an {@link EvaluationException}. */
    public static LogLikelihoodScorer load(Path dir, int contextLength) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new EvaluationException("model: not a directory: " + dir);
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new EvaluationException("model: no config.json in " + dir + " (expected a Hugging Face model directory)");
        }
        Tokenizer tokenizer;
        LlamaModel model;
        try {
            LlamaConfig.read(dir);
            tokenizer = Tokenizers.load(dir);
            model = LlamaModel.load(dir, LlamaModel.defaultDevice(), contextLength);
        } catch (Exception e) {
            throw new EvaluationException("model " + dir + " cannot be loaded: " + e.getMessage(), e);
        }
        return new LogLikelihoodScorer(model, tokenizer, 32, true);
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Every option's log-likelihood after {@code context}, in the options' order. */
    public List<ScoredOption> score(String context, List<String> options) {
        int[] contextIds = tokenizer.encode(context, true);
        List<int[]> wholes = new ArrayList<>();
        int common = contextIds.length;
        int shortest = Integer.MAX_VALUE;
        for (String option : options) {
            int[] whole = tokenizer.encode(context + option, true);
            wholes.add(whole);
            common = Math.min(common, commonPrefix(contextIds, whole));
            shortest = Math.min(shortest, whole.length);
        }
        common = Math.max(1, Math.min(common, shortest - 1));
        int[] shared = Arrays.copyOf(contextIds, common);
        List<int[]> continuations = new ArrayList<>();
        int longest = 0;
        for (int[] whole : wholes) {
            int[] cont = Arrays.copyOfRange(whole, common, whole.length);
            if (cont.length == 0) {
                throw new IllegalArgumentException("an option adds no tokens to the context");
            }
            continuations.add(cont);
            longest = Math.max(longest, cont.length);
        }
        int room = model.contextLength() - longest;
        if (room < 2) {
            throw new IllegalArgumentException("an option of " + longest + " tokens leaves no room for the context in "
                    + model.contextLength() + " positions");
        }
        if (shared.length > room) {
            int[] cut = new int[room];
            cut[0] = shared[0];                                   // BOS stays
            System.arraycopy(shared, shared.length - (room - 1), cut, 1, room - 1);
            shared = cut;
        }
        return scoreIds(shared, continuations);
    }

    /** Log-likelihoods of token continuations after the context ids (which carry their own BOS). */
    public List<ScoredOption> scoreIds(int[] context, List<int[]> continuations) {
        double[][] perToken = new double[continuations.size()][];
        for (int i = 0; i < perToken.length; i++) {
            perToken[i] = new double[continuations.get(i).length];
        }
        try (NDManager scope = model.manager().newSubManager();
             KvCache cache = model.newCache(1, context.length, scope)) {
            float[] first;
            try (NDManager step = scope.newSubManager()) {
                NDArray last = model.decode(step.create(toLong(context), new Shape(1, context.length)), cache);   // [1, V]
                first = last.logSoftmax(-1).toFloatArray();
            }
            List<Integer> longer = new ArrayList<>();
            for (int i = 0; i < perToken.length; i++) {
                perToken[i][0] = first[continuations.get(i)[0]];
                if (continuations.get(i).length > 1) {
                    longer.add(i);
                }
            }
            // Options of similar length share a batch, so that little of it is padding (charge names run from 2 to 18 tokens).
            longer.sort(java.util.Comparator.comparingInt(i -> continuations.get(i).length));
            for (int from = 0; from < longer.size(); from += optionBatch) {
                List<Integer> batch = longer.subList(from, Math.min(longer.size(), from + optionBatch));
                scoreRest(context.length, cache, continuations, batch, perToken, scope);
            }
        }
        List<ScoredOption> scored = new ArrayList<>();
        for (int i = 0; i < perToken.length; i++) {
            scored.add(new ScoredOption(context.clone(), continuations.get(i).clone(), Arrays.stream(perToken[i]).sum(), perToken[i]));
        }
        return scored;
    }

    /** Tokens 2.. of the options in {@code batch}: their predecessors run as one batch against copies of the context's cache. */
    private void scoreRest(int contextLength, KvCache cache, List<int[]> continuations, List<Integer> batch,
                           double[][] perToken, NDManager parent) {
        int rows = batch.size();
        int t = 0;
        for (int i : batch) {
            t = Math.max(t, continuations.get(i).length - 1);
        }
        long[] inputs = new long[rows * t];
        long[] targets = new long[rows * t];
        for (int r = 0; r < rows; r++) {
            int[] cont = continuations.get(batch.get(r));
            for (int j = 0; j < t; j++) {
                // Row r, step j: token j in, token j+1 predicted. Past the option's end: padding, never read.
                inputs[r * t + j] = j < cont.length - 1 ? cont[j] : tokenizer.eosId();
                targets[r * t + j] = j < cont.length - 1 ? cont[j + 1] : 0;
            }
        }
        try (NDManager step = parent.newSubManager();
             KvCache rowsCache = cache.fork(rows, contextLength + t, step)) {
            NDArray logits = model.decodeAll(step.create(inputs, new Shape(rows, t)), rowsCache);   // [rows, t, V]
            NDArray logp = logits.logSoftmax(-1).reshape(rows * (long) t, model.config().vocabSize());
            float[] picked = logp.gather(step.create(targets, new Shape(rows * (long) t, 1)), 1).toFloatArray();
            for (int r = 0; r < rows; r++) {
                int option = batch.get(r);
                for (int j = 0; j < continuations.get(option).length - 1; j++) {
                    perToken[option][j + 1] = picked[r * t + j];
                }
            }
        }
    }

    private static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    @Override
    public void close() {
        if (owned) {
            model.close();
        }
    }
}
