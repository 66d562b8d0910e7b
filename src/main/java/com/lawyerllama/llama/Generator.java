package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The decode loop for one sequence: prefill the prompt, then sample one token at a time
 * against the KV cache until EOS, a stop string, max-new-tokens, the context end or
 * cancellation. Text reaches the listener as the tokenizer's streaming decoder completes it.
 */
public final class Generator {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> eosIds = new HashSet<>();

    public Generator(LlamaModel model, Tokenizer tokenizer) {
        this(model, tokenizer, Set.of());
    }

    /** @param endOfTurnIds further tokens that end generation (a chat template's end of turn, e.g. {@code <|im_end|>}) */
    public Generator(LlamaModel model, Tokenizer tokenizer, Set<Integer> endOfTurnIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        eosIds.addAll(model.config().eosTokenIds());
        eosIds.add(tokenizer.eosId());
        eosIds.addAll(endOfTurnIds);
    }

    /** Generates after {@code prompt}, encoded with BOS first where the tokenizer adds one. */
    public GenerationResult generate(String prompt, GenerationOptions options, TokenListener listener, BooleanSupplier cancelled) {
        return generate(tokenizer.encode(prompt, tokenizer.addsBos()), options, listener, cancelled);
    }

    /**
     * Generates after the given prompt tokens.
     *
     * @throws ContextLengthExceededException when the prompt leaves no room in the context
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener, BooleanSupplier cancelled) {
        Sequence sequence = new Sequence(prompt, options, listener,
                () -> cancelled.getAsBoolean() || Thread.currentThread().isInterrupted(),
                eosIds, tokenizer, model.contextLength());
        if (sequence.finished()) {
            return sequence.result();
        }
        try (NDManager memory = model.manager().newSubManager();
             KvCache cache = model.newCache(1, sequence.positionsNeeded(), memory)) {
            float[] logits = step(model, prompt, cache, memory);
            for (int next = sequence.accept(logits); next >= 0; next = sequence.accept(logits)) {
                logits = step(model, new int[] {next}, cache, memory);
            }
        }
        return sequence.result();
    }

    Set<Integer> eosIds() {
        return eosIds;
    }

    /** Runs tokens through the model in a scope of its own; returns the last position's logits. */
    static float[] step(LlamaModel model, int[] tokens, KvCache cache, NDManager memory) {
        try (NDManager scope = memory.newSubManager()) {
            long[] ids = new long[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                ids[i] = tokens[i];
            }
            NDArray input = scope.create(ids, new Shape(1, tokens.length));
            NDArray logits = model.decode(input, cache);
            if (logits.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
                logits = logits.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            }
            return logits.toFloatArray();
        }
    }

    /**
     * Holds back text that could be the start of a stop string, and cuts the text at the
     * first complete one.
     */
    static final class StopStringFilter {
        private final List<String> stops;
        private final StringBuilder all = new StringBuilder();
        private int emitted;
        private int end = -1;

        StopStringFilter(List<String> stops) {
            this.stops = stops;
        }

        /** Adds decoded text; returns what is now safe to show. */
        String append(String piece) {
            if (end >= 0) {
                return "";
            }
            all.append(piece);
            int cut = -1;
            for (String stop : stops) {
                int at = all.indexOf(stop, Math.max(0, emitted - stop.length()));
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                end = cut;
                return release(Math.max(cut, emitted));
            }
            return release(all.length() - heldBack());
        }

        /** Final text after the decoder's flush. */
        String finish(String tail) {
            String piece = append(tail);
            if (end >= 0) {
                return piece;
            }
            return piece + release(all.length());
        }

        boolean stopped() {
            return end >= 0;
        }

        String text() {
            return all.substring(0, end >= 0 ? end : all.length());
        }

        private String release(int upTo) {
            if (upTo <= emitted) {
                return "";
            }
            String s = all.substring(emitted, upTo);
            emitted = upTo;
            return s;
        }

        /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
        private int heldBack() {
            int hold = 0;
            String text = stops.isEmpty() ? "" : all.toString();
            for (String stop : stops) {
                for (int n = Math.min(stop.length() - 1, text.length()); n > hold; n--) {
                    if (text.regionMatches(text.length() - n, stop, 0, n)) {
                        hold = n;
                        break;
                    }
                }
            }
            return hold;
        }
    }
}
