package com.lawyerllama.llama.tokenizer;

/** SentencePiece's piece types, with the numbers {@code sentencepiece_model.proto} gives them. */
public enum PieceType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    final int protoNumber;

    PieceType(int protoNumber) {
        this.protoNumber = protoNumber;
    }

    static PieceType ofProtoNumber(int number) {
        for (PieceType type : values()) {
            if (type.protoNumber == number) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown SentencePiece piece type " + number);
    }
}
