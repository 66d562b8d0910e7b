package com.lawyerllama.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Batching: the shared context runs once through the model into a KV cache; the options then
 * run as one tree over a single copy of it ({@link LlamaModel#decodeTreeHidden}): options share
 * prefixes (charge names: 故意伤害罪, 故意杀人罪), and each distinct prefix is one token of the
 * tree, attending to the context and its own ancestors. The output layer, which dominates the cost
 * with a large vocabulary, runs once per distinct prefix ({@code outputBatch} of them at a time)
 * and never on padding.
 */
public final class LogLikelihoodScorer implements AutoCloseable {
    /** Prefixes put through the output layer at a time by default (charge's 333 items: 54-61 s at 128, 72 s at 32). */
    public static final int OUTPUT_BATCH = 128;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final int outputBatch;
    private final boolean owned;

    /** The ids of one option as scored, with its summed and per-token log-probabilities. */
    public record ScoredOption(int[] context, int[] continuation, double logprob, double[] tokenLogprobs) {
    }

    /** @param outputBatch prefixes put through the output layer at a time (memory: outputBatch × vocabulary floats, twice) */
    public LogLikelihoodScorer(LlamaModel model, Tokenizer tokenizer, int outputBatch) {
        this(model, tokenizer, outputBatch, false);
    }

    private LogLikelihoodScorer(LlamaModel model, Tokenizer tokenizer, int outputBatch, boolean owned) {
        if (outputBatch < 1) {
            throw new IllegalArgumentException("outputBatch must be positive");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.outputBatch = outputBatch;
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
        return new LogLikelihoodScorer(model, tokenizer, OUTPUT_BATCH, true);
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
        // The options' proper prefixes as a tree: a node per distinct prefix (its last token, its parent the
        // prefix one shorter), with the tokens that follow it in some option. The output layer's log-softmax
        // at a node is needed once, however many options share that prefix.
        Map<Prefix, Integer> nodes = new LinkedHashMap<>();
        List<Integer> parents = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        List<Map<Integer, Double>> next = new ArrayList<>();
        for (int[] cont : continuations) {
            for (int j = 1; j < cont.length; j++) {
                Integer node = nodes.get(new Prefix(cont, j));
                if (node == null) {
                    node = tokens.size();
                    nodes.put(new Prefix(cont, j), node);
                    parents.add(j == 1 ? -1 : nodes.get(new Prefix(cont, j - 1)));
                    tokens.add(cont[j - 1]);
                    next.add(new LinkedHashMap<>());
                }
                next.get(node).put(cont[j], Double.NaN);
            }
        }
        try (NDManager scope = model.manager().newSubManager();
             KvCache cache = model.newCache(1, context.length, scope)) {
            float[] first;
            try (NDManager step = scope.newSubManager()) {
                NDArray last = model.decode(step.create(toLong(context), new Shape(1, context.length)), cache);   // [1, V]
                first = last.logSoftmax(-1).toFloatArray();
            }
            for (int i = 0; i < perToken.length; i++) {
                perToken[i][0] = first[continuations.get(i)[0]];
            }
            if (!tokens.isEmpty()) {
                scoreTree(context.length, cache, tokens, parents, next, scope);
            }
        }
        List<ScoredOption> scored = new ArrayList<>();
        for (int i = 0; i < perToken.length; i++) {
            int[] cont = continuations.get(i);
            for (int j = 1; j < cont.length; j++) {
                perToken[i][j] = next.get(nodes.get(new Prefix(cont, j))).get(cont[j]);
            }
            scored.add(new ScoredOption(context.clone(), cont.clone(), Arrays.stream(perToken[i]).sum(), perToken[i]));
        }
        return scored;
    }

    /**
     * The prefix tree in one pass over a single copy of the context's cache, then the output layer
     * {@code outputBatch} nodes at a time: each node's log-softmax gives every token that follows it.
     */
    private void scoreTree(int contextLength, KvCache cache, List<Integer> tokens, List<Integer> parents,
                           List<Map<Integer, Double>> next, NDManager parent) {
        int n = tokens.size();
        try (NDManager step = parent.newSubManager();
             KvCache tree = cache.fork(1, contextLength + n, step)) {
            long[] ids = tokens.stream().mapToLong(Integer::longValue).toArray();
            NDArray hidden = model.decodeTreeHidden(step.create(ids, new Shape(1, n)), parents.stream().mapToInt(Integer::intValue).toArray(),
                    tree);                                                                           // [N, D]
            for (int from = 0; from < n; from += outputBatch) {
                int to = Math.min(n, from + outputBatch);
                int width = 0;
                for (int node = from; node < to; node++) {
                    width = Math.max(width, next.get(node).size());
                }
                long[] targets = new long[(to - from) * width];
                List<List<Integer>> following = new ArrayList<>();
                for (int node = from; node < to; node++) {
                    List<Integer> after = List.copyOf(next.get(node).keySet());
                    following.add(after);
                    for (int c = 0; c < after.size(); c++) {
                        targets[(node - from) * width + c] = after.get(c);
                    }
                }
                try (NDManager chunk = step.newSubManager()) {
                    NDArray rows = hidden.get(new NDIndex().addSliceDim(from, to));
                    rows.attach(chunk);                      // the chunk's logits are freed with it
                    NDArray logp = model.classify(rows).logSoftmax(-1);                              // [to-from, V]
                    float[] values = logp.gather(chunk.create(targets, new Shape(to - from, width)), 1).toFloatArray();
                    for (int node = from; node < to; node++) {
                        List<Integer> after = following.get(node - from);
                        for (int c = 0; c < after.size(); c++) {
                            next.get(node).put(after.get(c), (double) values[(node - from) * width + c]);
                        }
                    }
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
