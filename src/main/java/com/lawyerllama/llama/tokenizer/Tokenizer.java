package com.lawyerllama.llama.tokenizer;

/**
 * A LLaMA-family tokenizer: text to token ids and back.
 *
 * <p>Implementations: SentencePiece {@code tokenizer.model}, Hugging Face {@code tokenizer.json}
 * and llama2.c's {@code tokenizer.bin}; {@link Tokenizers#load} picks the one a model
 * directory holds.
 */
public interface Tokenizer {

    /** Encodes text without adding BOS or EOS (SentencePiece's leading-space convention applies). */
    int[] encode(String text);

    /**
     * Whether the model's text starts with BOS, as its tokenizer files say (LLaMA: yes; Qwen: no).
     * Callers that encode a whole prompt or document pass this to {@link #encode(String, boolean)}.
     */
    default boolean addsBos() {
        return true;
    }

    /** Encodes with a BOS id first when {@code addBos}. */
    default int[] encode(String text, boolean addBos) {
        int[] ids = encode(text);
        if (!addBos) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = bosId();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /** Decodes ids to text; control tokens (BOS, EOS, …) produce no text. */
    String decode(int[] ids);

    /**
     * A decoder for a token stream that returns only complete UTF-8 text: a character spread
     * over several byte tokens is returned once, whole, when its last byte arrives.
     */
    StreamingDecoder streamingDecoder();

    int vocabSize();

    int bosId();

    int eosId();

    /** The piece of a token id as stored in the vocabulary (for debugging and tests). */
    String piece(int id);

    /** Incremental decoding state for one generated sequence. */
    interface StreamingDecoder {
        /** Adds one generated token; returns the text completed by it (possibly empty). */
        String append(int id);

        /** Returns whatever is still held back (incomplete bytes become U+FFFD). */
        String flush();
    }
}
