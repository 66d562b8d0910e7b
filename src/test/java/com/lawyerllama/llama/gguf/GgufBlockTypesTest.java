package com.lawyerllama.llama.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every supported GGML type, one tensor of several blocks each: the test packs known quantized
 * integers, scales and minimums into blocks following the format's layout (ggml-common.h), writes
 * them into a GGUF file, reads the file back and checks every dequantized value against the
 * format's formula for that element (x = d·q, d·(q−8), d·q + m, d·sc·q − dmin·m, …).
 *
 * <p>The decoders were also checked once, outside the suite, against gguf-py's
 * {@code gguf.quants.dequantize} on random blocks of every type: all values equal.
 */
class GgufBlockTypesTest {
    @TempDir
    Path tmp;

    /** Blocks in a type's layout and the values they stand for. */
    private record Blocks(ByteBuffer bytes, float[] values) {
    }

    private static final int BLOCKS = 6;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizesEveryValueAsTheFormatDefines(GgmlType type) throws Exception {
        Random random = new Random(type.id);
        int perBlock = type.blockSize == 1 ? 64 : type.blockSize;
        ByteBuffer all = ByteBuffer.allocate(BLOCKS * perBlock / type.blockSize * type.blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[BLOCKS * perBlock];
        for (int b = 0; b < BLOCKS; b++) {
            Blocks block = build(type, random, perBlock);
            all.put(block.bytes().rewind());
            System.arraycopy(block.values(), 0, expected, b * perBlock, perBlock);
        }
        all.flip();
        Path file = tmp.resolve(type + ".gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addRawTensor("t", new long[] {2, BLOCKS * perBlock / 2}, type, all).write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            float[] got = gguf.readAll(gguf.tensor("t"));
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-6f * Math.max(1f, Math.abs(expected[i])), type + " element " + i);
            }
        }
    }

    private static Blocks build(GgmlType type, Random r, int n) {
        ByteBuffer b = ByteBuffer.allocate(n / type.blockSize * type.blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[n];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) r.nextGaussian();
                    b.putFloat(x[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (r.nextInt(4001) - 2000) / 256f;      // exact in fp16
                    b.putShort(Half.fromFloat(x[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    x[i] = (r.nextInt(255) - 127) / 64f;         // exact in bf16 (8 significant bits)
                    b.putShort((short) (Float.floatToIntBits(x[i]) >>> 16));
                }
            }
            case Q8_0 -> {
                float d = scale(r);
                b.putShort(Half.fromFloat(d));
                for (int j = 0; j < 32; j++) {
                    int q = r.nextInt(256) - 128;
                    b.put((byte) q);
                    x[j] = q * d;
                }
            }
            case Q4_0, Q4_1, Q5_0, Q5_1 -> {
                // d [, m] [, qh: bit 4 of q_j at bit j], qs[j] = low nibbles of q_j | q_{j+16} << 4
                boolean five = type == GgmlType.Q5_0 || type == GgmlType.Q5_1;
                boolean withMin = type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
                float d = scale(r);
                float m = scale(r);
                int[] q = new int[32];
                int qh = 0;
                for (int j = 0; j < 32; j++) {
                    q[j] = r.nextInt(five ? 32 : 16);
                    qh |= (q[j] >> 4) << j;
                }
                b.putShort(Half.fromFloat(d));
                if (withMin) {
                    b.putShort(Half.fromFloat(m));
                }
                if (five) {
                    b.putInt(qh);
                }
                for (int j = 0; j < 16; j++) {
                    b.put((byte) ((q[j] & 0xF) | (q[j + 16] & 0xF) << 4));
                }
                int offset = five ? 16 : 8;
                for (int j = 0; j < 32; j++) {
                    x[j] = withMin ? q[j] * d + m : (q[j] - offset) * d;
                }
            }
            case Q2_K -> {
                // 16 groups of 16; group g: 4-bit scale s and min m in scales[g] = s | m << 4.
                // Element i = 128h + 32k + 16p + l has its 2 bits in qs[32h + 16p + l] at bit 2k.
                int[] s = new int[16];
                int[] mins = new int[16];
                for (int g = 0; g < 16; g++) {
                    s[g] = r.nextInt(16);
                    mins[g] = r.nextInt(16);
                    b.put((byte) (s[g] | mins[g] << 4));
                }
                int[] q = randomInts(r, 256, 4);
                byte[] qs = new byte[64];
                for (int i = 0; i < 256; i++) {
                    int h = i / 128;
                    int k = (i % 128) / 32;
                    int p = (i % 32) / 16;
                    int l = i % 16;
                    qs[32 * h + 16 * p + l] |= (byte) (q[i] << (2 * k));
                }
                b.put(qs);
                float d = scale(r);
                float dmin = scale(r);
                b.putShort(Half.fromFloat(d));
                b.putShort(Half.fromFloat(dmin));
                for (int i = 0; i < 256; i++) {
                    x[i] = d * s[i / 16] * q[i] - dmin * mins[i / 16];
                }
            }
            case Q3_K -> {
                // 3-bit q = low 2 bits (qs as in Q2_K) + 4 · high bit (hmask[16p + l] at bit 4h + k);
                // 16 six-bit scales, offset by 32: low nibbles in bytes 0–7 (g < 8: low half of byte g,
                // else high half of byte g−8), top 2 bits in byte 8 + g % 4 at bit 2·(g / 4).
                int[] q = randomInts(r, 256, 8);
                int[] sc = randomInts(r, 16, 64);
                byte[] hmask = new byte[32];
                byte[] qs = new byte[64];
                for (int i = 0; i < 256; i++) {
                    int h = i / 128;
                    int k = (i % 128) / 32;
                    int p = (i % 32) / 16;
                    int l = i % 16;
                    qs[32 * h + 16 * p + l] |= (byte) ((q[i] & 3) << (2 * k));
                    hmask[16 * p + l] |= (byte) ((q[i] >> 2) << (4 * h + k));
                }
                byte[] scales = new byte[12];
                for (int g = 0; g < 16; g++) {
                    scales[g % 8] |= (byte) ((sc[g] & 0xF) << (g < 8 ? 0 : 4));
                    scales[8 + g % 4] |= (byte) ((sc[g] >> 4) << (2 * (g / 4)));
                }
                float d = scale(r);
                b.put(hmask).put(qs).put(scales).putShort(Half.fromFloat(d));
                for (int i = 0; i < 256; i++) {
                    x[i] = d * (sc[i / 16] - 32) * (q[i] - 4);
                }
            }
            case Q4_K, Q5_K -> {
                // 8 groups of 32 with six-bit scale sc and min m; element i = 64c + 32u + l: low (u = 0)
                // or high (u = 1) nibble of qs[32c + l]; Q5_K's fifth bit in qh[l] at bit 2c + u.
                boolean five = type == GgmlType.Q5_K;
                int[] q = randomInts(r, 256, five ? 32 : 16);
                int[] sc = randomInts(r, 8, 64);
                int[] mn = randomInts(r, 8, 64);
                byte[] scales = new byte[12];
                for (int j = 0; j < 4; j++) {
                    scales[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
                    scales[j + 4] = (byte) (mn[j] | (mn[j + 4] >> 4) << 6);
                    scales[j + 8] = (byte) ((sc[j + 4] & 0xF) | (mn[j + 4] & 0xF) << 4);
                }
                byte[] qh = new byte[32];
                byte[] qs = new byte[128];
                for (int i = 0; i < 256; i++) {
                    int c = i / 64;
                    int u = (i % 64) / 32;
                    int l = i % 32;
                    qs[32 * c + l] |= (byte) ((q[i] & 0xF) << (4 * u));
                    qh[l] |= (byte) ((q[i] >> 4) << (2 * c + u));
                }
                float d = scale(r);
                float dmin = scale(r);
                b.putShort(Half.fromFloat(d)).putShort(Half.fromFloat(dmin)).put(scales);
                if (five) {
                    b.put(qh);
                }
                b.put(qs);
                for (int i = 0; i < 256; i++) {
                    x[i] = d * sc[i / 32] * q[i] - dmin * mn[i / 32];
                }
            }
            case Q6_K -> {
                // 6-bit q, 16 groups of 16 with int8 scales; element i = 128h + 32k + l: low 4 bits in
                // ql[64h + 32(k % 2) + l] (low nibble for k < 2, high for k ≥ 2), top 2 bits in
                // qh[32h + l] at bit 2k; x = d · scale[i / 16] · (q − 32).
                int[] q = randomInts(r, 256, 64);
                byte[] ql = new byte[128];
                byte[] qh = new byte[64];
                for (int i = 0; i < 256; i++) {
                    int h = i / 128;
                    int k = (i % 128) / 32;
                    int l = i % 32;
                    ql[64 * h + 32 * (k % 2) + l] |= (byte) ((q[i] & 0xF) << (k < 2 ? 0 : 4));
                    qh[32 * h + l] |= (byte) ((q[i] >> 4) << (2 * k));
                }
                byte[] sc = new byte[16];
                for (int g = 0; g < 16; g++) {
                    sc[g] = (byte) (r.nextInt(256) - 128);
                }
                float d = scale(r);
                b.put(ql).put(qh).put(sc).putShort(Half.fromFloat(d));
                for (int i = 0; i < 256; i++) {
                    x[i] = d * sc[i / 16] * (q[i] - 32);
                }
            }
            default -> throw new IllegalArgumentException(type.name());
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException(type + " block built with " + b.remaining() + " bytes left");
        }
        return new Blocks(b, x);
    }

    /** A scale exactly representable in fp16, either sign. */
    private static float scale(Random r) {
        return (r.nextInt(2001) - 1000) / 8192f;
    }

    private static int[] randomInts(Random r, int n, int bound) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(bound);
        }
        return v;
    }
}
