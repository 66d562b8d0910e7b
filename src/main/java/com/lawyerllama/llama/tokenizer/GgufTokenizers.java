package com.lawyerllama.llama.tokenizer;

import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer a GGUF file carries in its metadata ({@code tokenizer.ggml.*}): the vocabulary
 * ({@code tokens}), per-token {@code scores} and {@code token_type}, {@code merges}, the special
 * ids and {@code add_bos_token}. {@code tokenizer.ggml.model} names the kind: {@code llama} is a
 * SentencePiece BPE model (pieces with scores, byte fallback), {@code gpt2} a byte-level BPE
 * (merges, with the pre-tokenizer named by {@code tokenizer.ggml.pre}).
 */
public final class GgufTokenizers {
    private GgufTokenizers() {
    }

    /** The tokenizer of a GGUF file; an unsupported kind is an error naming it. */
    public static Tokenizer read(GgufFile f) {
        String model = f.string("tokenizer.ggml.model", "");
        return switch (model) {
            case "llama" -> new SentencePieceTokenizer(sentencePiece(f));
            case "" -> throw new GgufFormatException(f.path() + " has no tokenizer (no tokenizer.ggml.model)");
            default -> throw new GgufFormatException(f.path() + ": tokenizer.ggml.model '" + model
                    + "' is not supported (supported: llama, gpt2)");
        };
    }

    /** A {@code llama} GGUF vocabulary as the SentencePiece model it was converted from. */
    public static SentencePieceModel sentencePiece(GgufFile f) {
        List<?> tokens = f.array("tokenizer.ggml.tokens");
        List<?> scores = f.has("tokenizer.ggml.scores") ? f.array("tokenizer.ggml.scores") : null;
        List<?> types = f.has("tokenizer.ggml.token_type") ? f.array("tokenizer.ggml.token_type") : null;
        if ((scores != null && scores.size() != tokens.size()) || (types != null && types.size() != tokens.size())) {
            throw new GgufFormatException(f.path() + ": tokenizer.ggml.scores / token_type do not have one entry per token");
        }
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            float score = scores == null ? 0f : ((Number) scores.get(i)).floatValue();
            PieceType type = types == null ? PieceType.NORMAL : pieceType(f, ((Number) types.get(i)).intValue());
            pieces.add(new SentencePieceModel.Piece((String) tokens.get(i), score, type));
        }
        int unk = (int) f.integer("tokenizer.ggml.unknown_token_id", 0);
        int bos = (int) f.integer("tokenizer.ggml.bos_token_id", 1);
        int eos = (int) f.integer("tokenizer.ggml.eos_token_id", 2);
        SentencePieceModel spm = SentencePieceModel.llamaBpe(pieces, unk, bos, eos);
        if (!f.bool("tokenizer.ggml.add_space_prefix", true)) {
            SentencePieceModel.NormalizerSpec n = spm.normalizer();
            spm = new SentencePieceModel(spm.pieces(), spm.modelType(), spm.byteFallback(), spm.unkId(), spm.bosId(),
                    spm.eosId(), spm.padId(), spm.unkSurface(),
                    new SentencePieceModel.NormalizerSpec(n.name(), n.precompiledCharsmap(), false,
                            n.removeExtraWhitespaces(), n.escapeWhitespaces()));
        }
        return spm;
    }

    /** llama.cpp's token types are SentencePiece's piece types, with the same numbers. */
    private static PieceType pieceType(GgufFile f, int number) {
        try {
            return PieceType.ofProtoNumber(number);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path() + ": unknown token type " + number + " in tokenizer.ggml.token_type");
        }
    }
}
