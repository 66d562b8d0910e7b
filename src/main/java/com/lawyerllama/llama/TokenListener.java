package com.lawyerllama.llama;

/** Receives a generation as it happens. */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token, in order, on the generating thread.
     *
     * @param text the text this token completes (may be empty: part of a multi-byte character,
     *             or held back because it might begin a stop string)
     */
    void onToken(int tokenId, String text);

    TokenListener NONE = (id, text) -> { };
}
