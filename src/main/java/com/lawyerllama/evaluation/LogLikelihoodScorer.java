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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * <p>Batching: the shared context runs once through the model into a KV cache; the options of
 * the question (up to {@code optionBatch} at a time, longest first) then run as one batch of
 * continuations against copies of that cache, with right padding. Options share prefixes (charge
 * names: 故意伤害罪, 故意杀人罪): the output layer, which dominates the cost with a large
 * vocabulary, runs once per distinct prefix and never on padding, and an option whose prefixes
 * all lie inside longer options takes no row at all.
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
        // Every proper prefix of an option, with the tokens that follow it in some option: the
        // log-softmax at a prefix's last token is needed once, however many options share it.
        Map<Prefix, Map<Integer, Double>> next = new HashMap<>();
        for (int[] cont : continuations) {
            for (int j = 1; j < cont.length; j++) {
                next.computeIfAbsent(new Prefix(cont, j), p -> new HashMap<>()).put(cont[j], Double.NaN);
            }
        }
        try (NDManager scope = model.manager().newSubManager();
             KvCache cache = model.newCache(1, context.length, scope)) {
            float[] first;
            try (NDManager step = scope.newSubManager()) {
                NDArray last = model.decode(step.create(toLong(context), new Shape(1, context.length)), cache);   // [1, V]
                first = last.logSoftmax(-1).toFloatArray();
            }
            // Rows to run: longest options first, and an option none of whose prefixes is new (all of them
            // inside a longer option already taken) needs no row of its own.
            List<Integer> byLength = new ArrayList<>();
            for (int i = 0; i < perToken.length; i++) {
                perToken[i][0] = first[continuations.get(i)[0]];
                byLength.add(i);
            }
            byLength.sort(Comparator.comparingInt((Integer i) -> continuations.get(i).length).reversed());
            Set<Prefix> covered = new HashSet<>();
            List<Integer> rows = new ArrayList<>();
            for (int i : byLength) {
                int[] cont = continuations.get(i);
                boolean adds = false;
                for (int j = 1; j < cont.length; j++) {
                    adds |= covered.add(new Prefix(cont, j));
                }
                if (adds) {
                    rows.add(i);
                }
            }
            // Rows of similar length share a batch, so that little of it is padding (charge names run from 2 to 18 tokens).
            Set<Prefix> done = new HashSet<>();
            for (int from = 0; from < rows.size(); from += optionBatch) {
                List<Integer> batch = rows.subList(from, Math.min(rows.size(), from + optionBatch));
                scoreRest(context.length, cache, continuations, batch, next, done, scope);
            }
        }
        List<ScoredOption> scored = new ArrayList<>();
        for (int i = 0; i < perToken.length; i++) {
            int[] cont = continuations.get(i);
            for (int j = 1; j < cont.length; j++) {
                perToken[i][j] = next.get(new Prefix(cont, j)).get(cont[j]);
            }
            scored.add(new ScoredOption(context.clone(), cont.clone(), Arrays.stream(perToken[i]).sum(), perToken[i]));
        }
        return scored;
    }

    /**
     * The options in {@code batch} run as one batch against copies of the context's cache (token j
     * in, row padded on the right); only positions that end a prefix not yet scored go through the
     * output layer, and their log-softmax gives every token that follows that prefix in any option.
     */
    private void scoreRest(int contextLength, KvCache cache, List<int[]> continuations, List<Integer> batch,
                           Map<Prefix, Map<Integer, Double>> next, Set<Prefix> done, NDManager parent) {
        int rows = batch.size();
        int t = 0;
        for (int i : batch) {
            t = Math.max(t, continuations.get(i).length - 1);
        }
        long[] inputs = new long[rows * t];
        List<Long> positions = new ArrayList<>();        // row * t + j of each prefix scored here
        List<Prefix> prefixes = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int[] cont = continuations.get(batch.get(r));
            for (int j = 0; j < t; j++) {
                // Row r, step j: token j in (past the option's end: padding, never read).
                inputs[r * t + j] = j < cont.length - 1 ? cont[j] : tokenizer.eosId();
                if (j < cont.length - 1) {
                    Prefix prefix = new Prefix(cont, j + 1);
                    if (done.add(prefix)) {
                        positions.add((long) r * t + j);
                        prefixes.add(prefix);
                    }
                }
            }
        }
        if (prefixes.isEmpty()) {
            return;
        }
        int width = 0;
        for (Prefix prefix : prefixes) {
            width = Math.max(width, next.get(prefix).size());
        }
        long[] targets = new long[prefixes.size() * width];
        List<List<Integer>> tokens = new ArrayList<>();
        for (int p = 0; p < prefixes.size(); p++) {
            List<Integer> following = List.copyOf(next.get(prefixes.get(p)).keySet());
            tokens.add(following);
            for (int c = 0; c < following.size(); c++) {
                targets[p * width + c] = following.get(c);
            }
        }
        try (NDManager step = parent.newSubManager();
             KvCache rowsCache = cache.fork(rows, contextLength + t, step)) {
            NDArray hidden = model.decodeHidden(step.create(inputs, new Shape(rows, t)), rowsCache);   // [rows*t, D]
            NDArray picked = hidden.get(step.create(positions.stream().mapToLong(Long::longValue).toArray()));
            NDArray logp = model.classify(picked).logSoftmax(-1);                                     // [P, V]
            float[] values = logp.gather(step.create(targets, new Shape(prefixes.size(), width)), 1).toFloatArray();
            for (int p = 0; p < prefixes.size(); p++) {
                Map<Integer, Double> scores = next.get(prefixes.get(p));
                List<Integer> following = tokens.get(p);
                for (int c = 0; c < following.size(); c++) {
                    scores.put(following.get(c), (double) values[p * width + c]);
                }
            }
        }
    }

    /** The first {@code length} tokens of an option, compared by value. */
    private record Prefix(int[] tokens, int length) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Prefix p && Arrays.equals(tokens, 0, length, p.tokens, 0, p.length);
        }

        @Override
        public int hashCode() {
            int h = length;
            for (int i = 0; i < length; i++) {
                h = 31 * h + tokens[i];
            }
            return h;
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
