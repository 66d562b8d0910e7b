package com.lawyerllama.llama;

/**
 * A finished generation.
 *
 * @param text              the generated text, up to (not including) a stop string
 * @param promptTokens      tokens in the prompt
 * @param generatedTokens   tokens generated (including a final EOS)
 * @param timeToFirstTokenNanos from the start of prefill to the first sampled token
 * @param totalNanos        prefill and decoding
 */
public record GenerationResult(String text, int promptTokens, int generatedTokens, FinishReason finishReason,
                               long timeToFirstTokenNanos, long totalNanos) {

    /** Why generation ended. */
    public enum FinishReason {
        /** EOS or a stop string. */
        STOP,
        /** max-new-tokens or the context length. */
        LENGTH,
        /** cancelled by the caller. */
        CANCELLED
    }
}
