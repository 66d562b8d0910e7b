package com.lawyerllama.llama;

import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One generation's state between model steps: sampling, EOS and stop strings, limits,
 * cancellation, the streaming text. The model steps themselves are driven by
 * {@link Generator} (one sequence) or {@link BatchScheduler} (many at once).
 */
public final class Sequence {
    final int[] prompt;
    final int maxNewTokens;
    private final GenerationOptions options;
    private final TokenListener listener;
    private final BooleanSupplier cancelled;
    private final Set<Integer> eosIds;
    private final Sampler sampler;
    private final Generator.StopStringFilter text;
    private final Tokenizer.StreamingDecoder decoder;
    private final long start = System.nanoTime();
    private long firstToken;
    private int generated;
    private GenerationResult result;

    /**
     * @throws ContextLengthExceededException when the prompt leaves no room in the context
     */
    public Sequence(int[] prompt, GenerationOptions options, TokenListener listener, BooleanSupplier cancelled,
             Set<Integer> eosIds, Tokenizer tokenizer, int contextLength) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (BOS)");
        }
        if (prompt.length >= contextLength) {
            throw new ContextLengthExceededException(prompt.length + 1L, contextLength);
        }
        this.prompt = prompt;
        this.maxNewTokens = Math.min(options.maxNewTokens(), contextLength - prompt.length);
        this.options = options;
        this.listener = listener;
        this.cancelled = cancelled;
        this.eosIds = eosIds;
        this.sampler = new Sampler(options);
        sampler.observe(prompt);
        this.text = new Generator.StopStringFilter(options.stopStrings());
        this.decoder = tokenizer.streamingDecoder();
        if (maxNewTokens == 0) {
            finish(GenerationResult.FinishReason.LENGTH);
        }
    }

    /**
     * Takes the logits that followed the last token fed to the model; returns the next token to
     * feed, or -1 when the sequence has finished (then {@link #result()} is set).
     */
    int accept(float[] logits) {
        if (result != null) {
            return -1;
        }
        if (cancelled.getAsBoolean()) {
            finish(GenerationResult.FinishReason.CANCELLED);
            return -1;
        }
        int next = sampler.sample(logits);
        generated++;
        if (firstToken == 0) {
            firstToken = System.nanoTime() - start;
        }
        if (eosIds.contains(next)) {
            listener.onToken(next, "");
            finish(GenerationResult.FinishReason.STOP);
            return -1;
        }
        sampler.observe(next);
        listener.onToken(next, text.append(decoder.append(next)));
        if (text.stopped()) {
            finish(GenerationResult.FinishReason.STOP);
            return -1;
        }
        if (generated >= maxNewTokens) {
            finish(GenerationResult.FinishReason.LENGTH);
            return -1;
        }
        return next;
    }

    /** Ends the sequence now (cancellation from outside, or an engine shutting down). */
    void finish(GenerationResult.FinishReason reason) {
        if (result != null) {
            return;
        }
        if (!text.stopped()) {
            String rest = text.finish(decoder.flush());
            if (!rest.isEmpty()) {
                listener.onToken(-1, rest);
            }
        }
        result = new GenerationResult(text.text(), prompt.length, generated, reason, firstToken, System.nanoTime() - start);
    }

    boolean isCancelled() {
        return cancelled.getAsBoolean();
    }

    boolean finished() {
        return result != null;
    }

    GenerationResult result() {
        return result;
    }

    /** Positions this sequence needs in a cache. */
    int positionsNeeded() {
        return prompt.length + maxNewTokens;
    }

    GenerationOptions options() {
        return options;
    }
}
