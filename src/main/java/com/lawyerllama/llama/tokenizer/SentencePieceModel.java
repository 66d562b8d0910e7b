package com.lawyerllama.llama.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of a SentencePiece {@code tokenizer.model} ({@code ModelProto}): the pieces and
 * the trainer/normalizer settings that encoding needs. Read and written by hand from the
 * protobuf wire format; fields that encoding does not use are not kept.
 *
 * @param pieces     the vocabulary, in id order
 * @param modelType  UNIGRAM (SentencePiece's default) or BPE (LLaMA)
 * @param byteFallback whether characters outside the vocabulary become {@code <0xNN>} byte pieces
 * @param unkSurface what decoding prints for the unknown piece
 */
public record SentencePieceModel(
        List<Piece> pieces,
        ModelType modelType,
        boolean byteFallback,
        int unkId,
        int bosId,
        int eosId,
        int padId,
        String unkSurface,
        NormalizerSpec normalizer) {

    /** One vocabulary entry. */
    public record Piece(String text, float score, PieceType type) {
    }

    public enum ModelType {
        UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

        final int protoNumber;

        ModelType(int protoNumber) {
            this.protoNumber = protoNumber;
        }

        static ModelType ofProtoNumber(int number) {
            for (ModelType type : values()) {
                if (type.protoNumber == number) {
                    return type;
                }
            }
            throw new IllegalArgumentException("unknown SentencePiece model type " + number);
        }
    }

    /**
     * The normalizer settings. {@code precompiledCharsmap} is kept only to be written back;
     * encoding approximates a non-identity normalizer ({@code nmt_nfkc}) with Unicode NFKC.
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
        /** LLaMA's: no character normalization, a dummy prefix, whitespace kept as is. */
        public static NormalizerSpec llama() {
            return new NormalizerSpec("identity", new byte[0], true, false, true);
        }
    }

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /** A LLaMA-style BPE model (byte fallback, unk/bos/eos = the ids given, no pad) over these pieces. */
    public static SentencePieceModel llamaBpe(List<Piece> pieces, int unkId, int bosId, int eosId) {
        boolean hasBytes = pieces.stream().anyMatch(p -> p.type() == PieceType.BYTE);
        return new SentencePieceModel(pieces, ModelType.BPE, hasBytes, unkId, bosId, eosId, -1,
                " \u2047 ", NormalizerSpec.llama());
    }

    public static SentencePieceModel read(Path file) {
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SentencePiece model " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid SentencePiece model " + file + ": " + e.getMessage(), e);
        }
    }

    public static SentencePieceModel parse(byte[] bytes) {
        List<Piece> pieces = new ArrayList<>();
        // proto2 defaults, which apply when a field is absent
        ModelType modelType = ModelType.UNIGRAM;
        boolean byteFallback = false;
        int unkId = 0;
        int bosId = 1;
        int eosId = 2;
        int padId = -1;
        String unkSurface = " \u2047 ";
        String normName = "nmt_nfkc";
        byte[] charsmap = new byte[0];
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;

        Protobuf.Reader model = new Protobuf.Reader(bytes);
        while (model.next()) {
            switch (model.field()) {
                case 1 -> pieces.add(readPiece(model.readMessage()));
                case 2 -> {
                    Protobuf.Reader trainer = model.readMessage();
                    while (trainer.next()) {
                        switch (trainer.field()) {
                            case 3 -> modelType = ModelType.ofProtoNumber((int) trainer.readVarint());
                            case 35 -> byteFallback = trainer.readVarint() != 0;
                            case 40 -> unkId = (int) trainer.readVarint();
                            case 41 -> bosId = (int) trainer.readVarint();
                            case 42 -> eosId = (int) trainer.readVarint();
                            case 43 -> padId = (int) trainer.readVarint();
                            case 44 -> unkSurface = trainer.readString();
                            default -> trainer.skip();
                        }
                    }
                }
                case 3 -> {
                    Protobuf.Reader normalizer = model.readMessage();
                    while (normalizer.next()) {
                        switch (normalizer.field()) {
                            case 1 -> normName = normalizer.readString();
                            case 2 -> charsmap = normalizer.readBytes();
                            case 3 -> addDummyPrefix = normalizer.readVarint() != 0;
                            case 4 -> removeExtraWhitespaces = normalizer.readVarint() != 0;
                            case 5 -> escapeWhitespaces = normalizer.readVarint() != 0;
                            default -> normalizer.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no pieces");
        }
        return new SentencePieceModel(pieces, modelType, byteFallback, unkId, bosId, eosId, padId, unkSurface,
                new NormalizerSpec(normName, charsmap, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces));
    }

    private static Piece readPiece(Protobuf.Reader reader) {
        String text = "";
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (reader.next()) {
            switch (reader.field()) {
                case 1 -> text = reader.readString();
                case 2 -> score = reader.readFloat();
                case 3 -> type = PieceType.ofProtoNumber((int) reader.readVarint());
                default -> reader.skip();
            }
        }
        return new Piece(text, score, type);
    }

    /** The {@code ModelProto} bytes, loadable by SentencePiece itself and by tools built on it. */
    public byte[] toBytes() {
        Protobuf.Writer model = new Protobuf.Writer();
        for (Piece piece : pieces) {
            Protobuf.Writer p = new Protobuf.Writer().string(1, piece.text()).fixedFloat(2, piece.score());
            if (piece.type() != PieceType.NORMAL) {
                p.varint(3, piece.type().protoNumber);
            }
            model.message(1, p);
        }
        Protobuf.Writer trainer = new Protobuf.Writer()
                .varint(3, modelType.protoNumber)
                .varint(4, pieces.size())
                .bool(35, byteFallback)
                .varint(40, unkId)
                .varint(41, bosId)
                .varint(42, eosId)
                .varint(43, padId) // negative int32 → 10-byte varint, as protobuf encodes it
                .string(44, unkSurface);
        pieceText(unkId).ifPresent(t -> trainer.string(45, t));
        pieceText(bosId).ifPresent(t -> trainer.string(46, t));
        pieceText(eosId).ifPresent(t -> trainer.string(47, t));
        pieceText(padId).ifPresent(t -> trainer.string(48, t));
        model.message(2, trainer);
        model.message(3, new Protobuf.Writer()
                .string(1, normalizer.name())
                .bytes(2, normalizer.precompiledCharsmap())
                .bool(3, normalizer.addDummyPrefix())
                .bool(4, normalizer.removeExtraWhitespaces())
                .bool(5, normalizer.escapeWhitespaces()));
        return model.toByteArray();
    }

    public void write(Path file) {
        try {
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write SentencePiece model " + file, e);
        }
    }

    private java.util.Optional<String> pieceText(int id) {
        return id >= 0 && id < pieces.size() ? java.util.Optional.of(pieces.get(id).text()) : java.util.Optional.empty();
    }
}
