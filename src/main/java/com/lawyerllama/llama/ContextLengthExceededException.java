package com.lawyerllama.llama;

/** A prompt (plus what was to be generated) longer than the model's context; the caller may trim history. */
public class ContextLengthExceededException extends IllegalArgumentException {
    private final long tokens;
    private final long contextLength;

    public ContextLengthExceededException(long tokens, long contextLength) {
        super("sequence of " + tokens + " tokens exceeds the model's context length of " + contextLength + " tokens");
        this.tokens = tokens;
        this.contextLength = contextLength;
    }

    public long tokens() {
        return tokens;
    }

    public long contextLength() {
        return contextLength;
    }
}
