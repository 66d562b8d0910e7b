package com.lawyerllama.llama.gguf;

import java.nio.ByteBuffer;

/** Turns one block of a GGML type into its float values. */
@FunctionalInterface
public interface BlockDecoder {
    /**
     * Decodes the block at byte {@code at} of {@code src} (little-endian, absolute indexing) into
     * {@code dst[dstAt ..]}: as many floats as the type's block size.
     */
    void decode(ByteBuffer src, int at, float[] dst, int dstAt);
}
