package com.lawyerllama.llama.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token a float32 score, an
 * int32 byte length and the bytes. It stores pieces decoded (spaces as ' ', BOS/EOS as
 * {@code "\n<s>\n"}/{@code "\n</s>\n"}, byte tokens as the text {@code <0xNN>}); reading turns
 * them back into SentencePiece pieces ('▁', BYTE type, ids 0..2 unknown/control) so that one
 * encoder serves both formats. The vocabulary size is not stored: the file is read to its end.
 */
public final class Llama2cTokenizerFile {
    private Llama2cTokenizerFile() {
    }

    public static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read llama2.c tokenizer " + file, e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new IllegalArgumentException("not a llama2.c tokenizer (too short): " + file);
        }
        int maxTokenLength = buf.getInt();
        List<SentencePieceModel.Piece> pieces = new ArrayList<>();
        while (buf.hasRemaining()) {
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("truncated llama2.c tokenizer " + file + " at token " + pieces.size());
            }
            float score = buf.getFloat();
            int length = buf.getInt();
            if (length < 0 || length > buf.remaining() || length > Math.max(maxTokenLength, 64) * 4) {
                throw new IllegalArgumentException("not a llama2.c tokenizer: token " + pieces.size()
                        + " has byte length " + length + " in " + file);
            }
            byte[] text = new byte[length];
            buf.get(text);
            pieces.add(toSentencePiece(pieces.size(), new String(text, StandardCharsets.UTF_8), score));
        }
        if (pieces.size() < 3) {
            throw new IllegalArgumentException("llama2.c tokenizer " + file + " has only " + pieces.size() + " tokens");
        }
        return SentencePieceModel.llamaBpe(pieces, 0, 1, 2);
    }

    /** llama2.c's decoded piece → the SentencePiece piece it was exported from. */
    static SentencePieceModel.Piece toSentencePiece(int id, String decoded, float score) {
        if (id <= 2) {
            String trimmed = decoded.strip();
            return new SentencePieceModel.Piece(trimmed, score, id == 0 ? PieceType.UNKNOWN : PieceType.CONTROL);
        }
        if (Vocabulary.isBytePiece(decoded)) {
            return new SentencePieceModel.Piece(decoded, score, PieceType.BYTE);
        }
        return new SentencePieceModel.Piece(decoded.replace(' ', SentencePieceTokenizer.SPACE_MARK), score, PieceType.NORMAL);
    }
}
