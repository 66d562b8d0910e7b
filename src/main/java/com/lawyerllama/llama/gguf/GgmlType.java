package com.lawyerllama.llama.gguf;

/**
 * The tensor element types of GGUF (ggml's {@code ggml_type}), with the numbers the file stores,
 * the elements per block and the bytes per block. Those this project can dequantize have a
 * {@link BlockDecoder}; the others are known by name only, so that an error can name them.
 */
public enum GgmlType {
    F32(0, 1, 4, BlockDecoders.F32),
    F16(1, 1, 2, BlockDecoders.F16),
    Q4_0(2, 32, 18, BlockDecoders.Q4_0),
    Q4_1(3, 32, 20, BlockDecoders.Q4_1),
    Q5_0(6, 32, 22, BlockDecoders.Q5_0),
    Q5_1(7, 32, 24, BlockDecoders.Q5_1),
    Q8_0(8, 32, 34, BlockDecoders.Q8_0),
    Q8_1(9, 32, 36, null),
    Q2_K(10, 256, 84, BlockDecoders.Q2_K),
    Q3_K(11, 256, 110, BlockDecoders.Q3_K),
    Q4_K(12, 256, 144, BlockDecoders.Q4_K),
    Q5_K(13, 256, 176, BlockDecoders.Q5_K),
    Q6_K(14, 256, 210, BlockDecoders.Q6_K),
    Q8_K(15, 256, 292, null),
    IQ2_XXS(16, 256, 66, null),
    IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null),
    IQ1_S(19, 256, 50, null),
    IQ4_NL(20, 32, 18, null),
    IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null),
    IQ4_XS(23, 256, 136, null),
    I8(24, 1, 1, null),
    I16(25, 1, 2, null),
    I32(26, 1, 4, null),
    I64(27, 1, 8, null),
    F64(28, 1, 8, null),
    IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, BlockDecoders.BF16),
    TQ1_0(34, 256, 54, null),
    TQ2_0(35, 256, 66, null),
    MXFP4(39, 32, 17, null);

    /** The number in the file's tensor info. */
    public final int id;
    /** Elements per block. */
    public final int blockSize;
    /** Bytes per block. */
    public final int blockBytes;
    private final BlockDecoder decoder;

    GgmlType(int id, int blockSize, int blockBytes, BlockDecoder decoder) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.decoder = decoder;
    }

    /** The type with this number, or null when the number is not a ggml type. */
    public static GgmlType ofId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Whether this project can dequantize the type. */
    public boolean supported() {
        return decoder != null;
    }

    /** The decoder of one block; null for a type this project does not read. */
    public BlockDecoder decoder() {
        return decoder;
    }

    /** Bytes that {@code elements} values take (a whole number of blocks). */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements are not a whole number of " + name() + " blocks of " + blockSize);
        }
        return elements / blockSize * blockBytes;
    }
}
