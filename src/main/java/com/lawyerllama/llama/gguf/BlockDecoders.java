package com.lawyerllama.llama.gguf;

import java.nio.ByteBuffer;

/**
 * One block decoder per supported GGML type, each written from the block's layout in ggml
 * ({@code ggml-common.h}: the struct; {@code ggml-quants.c}: {@code dequantize_row_*}). All
 * multi-byte fields are little-endian; {@code d}/{@code m} are fp16 scales/minimums.
 *
 * <p>Layouts (bytes per block in brackets):
 * <ul>
 *   <li>Q4_0 [18] d, qs[16]: x = (nibble − 8)·d; low nibbles give elements 0–15, high 16–31.</li>
 *   <li>Q4_1 [20] d, m, qs[16]: x = nibble·d + m.</li>
 *   <li>Q5_0 [22] d, qh[4] (32 fifth bits), qs[16]: x = (nibble | bit⁵ − 16)·d.</li>
 *   <li>Q5_1 [24] d, m, qh[4], qs[16]: x = (nibble | bit⁵)·d + m.</li>
 *   <li>Q8_0 [34] d, qs[32] int8: x = q·d.</li>
 *   <li>Q2_K [84] scales[16] (4-bit scale | 4-bit min), qs[64] (2-bit), d, dmin: 16 groups of 16.</li>
 *   <li>Q3_K [110] hmask[32], qs[64] (2 low bits), scales[12] (16 six-bit scales, offset 32), d.</li>
 *   <li>Q4_K [144] d, dmin, scales[12] (8 six-bit scales and mins), qs[128]: 8 groups of 32.</li>
 *   <li>Q5_K [176] d, dmin, scales[12], qh[32], qs[128].</li>
 *   <li>Q6_K [210] ql[128], qh[64], scales[16] int8, d: 16 groups of 16.</li>
 * </ul>
 */
final class BlockDecoders {
    private BlockDecoders() {
    }

    static final BlockDecoder F32 = (src, at, dst, o) -> dst[o] = src.getFloat(at);

    static final BlockDecoder F16 = (src, at, dst, o) -> dst[o] = Half.toFloat(src.getShort(at));

    static final BlockDecoder BF16 = (src, at, dst, o) -> dst[o] = Float.intBitsToFloat((src.getShort(at) & 0xFFFF) << 16);

    static final BlockDecoder Q8_0 = (src, at, dst, o) -> {
        float d = half(src, at);
        for (int j = 0; j < 32; j++) {
            dst[o + j] = src.get(at + 2 + j) * d;
        }
    };

    static final BlockDecoder Q4_0 = (src, at, dst, o) -> {
        float d = half(src, at);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, at + 2 + j);
            dst[o + j] = ((q & 0xF) - 8) * d;
            dst[o + j + 16] = ((q >> 4) - 8) * d;
        }
    };

    static final BlockDecoder Q4_1 = (src, at, dst, o) -> {
        float d = half(src, at);
        float m = half(src, at + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, at + 4 + j);
            dst[o + j] = (q & 0xF) * d + m;
            dst[o + j + 16] = (q >> 4) * d + m;
        }
    };

    static final BlockDecoder Q5_0 = (src, at, dst, o) -> {
        float d = half(src, at);
        int qh = src.getInt(at + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, at + 6 + j);
            int hi0 = ((qh >>> j) & 1) << 4;
            int hi1 = ((qh >>> (j + 16)) & 1) << 4;
            dst[o + j] = (((q & 0xF) | hi0) - 16) * d;
            dst[o + j + 16] = (((q >> 4) | hi1) - 16) * d;
        }
    };

    static final BlockDecoder Q5_1 = (src, at, dst, o) -> {
        float d = half(src, at);
        float m = half(src, at + 2);
        int qh = src.getInt(at + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(src, at + 8 + j);
            int hi0 = ((qh >>> j) & 1) << 4;
            int hi1 = ((qh >>> (j + 16)) & 1) << 4;
            dst[o + j] = ((q & 0xF) | hi0) * d + m;
            dst[o + j + 16] = ((q >> 4) | hi1) * d + m;
        }
    };

    static final BlockDecoder Q2_K = (src, at, dst, o) -> {
        int scales = at;
        int qs = at + 16;
        float d = half(src, at + 80);
        float dmin = half(src, at + 82);
        int y = o;
        int is = 0;
        for (int half = 0; half < 2; half++) {          // two runs of 128 values, each over 32 bytes of qs
            int q = qs + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {  // bytes 0–15, then 16–31
                    int sc = u8(src, scales + is++);
                    float dl = d * (sc & 0xF);
                    float ml = dmin * (sc >> 4);
                    for (int l = 0; l < 16; l++) {
                        dst[y++] = dl * ((u8(src, q + 16 * part + l) >> shift) & 3) - ml;
                    }
                }
            }
        }
    };

    static final BlockDecoder Q3_K = (src, at, dst, o) -> {
        int hmask = at;
        int qs = at + 32;
        int[] scales = unpackQ3Scales(src, at + 96);
        float d = half(src, at + 108);
        int y = o;
        int is = 0;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            int q = qs + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    float dl = d * (scales[is++] - 32);
                    for (int l = 0; l < 16; l++) {
                        int low = (u8(src, q + 16 * part + l) >> shift) & 3;
                        boolean high = (u8(src, hmask + 16 * part + l) & m) != 0;
                        dst[y++] = dl * (low - (high ? 0 : 4));
                    }
                }
                m <<= 1;
            }
        }
    };

    /**
     * Q3_K's 16 six-bit scales in 12 bytes: scale i has its low 4 bits in byte i (i < 8, low
     * nibble) or byte i−8 (high nibble), and its top 2 bits in byte 8 + i % 4 at bit 2·(i / 4).
     */
    static int[] unpackQ3Scales(ByteBuffer src, int at) {
        int[] s = new int[16];
        for (int i = 0; i < 16; i++) {
            int low = i < 8 ? u8(src, at + i) & 0xF : u8(src, at + i - 8) >> 4;
            int high = (u8(src, at + 8 + i % 4) >> (2 * (i / 4))) & 3;
            s[i] = low | high << 4;
        }
        return s;
    }

    /**
     * Q4_K's and Q5_K's eight six-bit scales and eight six-bit mins in 12 bytes (ggml's
     * {@code get_scale_min_k4}): for j < 4 scale = b[j] & 63, min = b[j+4] & 63; for j ≥ 4 the
     * low 4 bits are in b[j+4] (scale low nibble, min high nibble) and the top 2 bits are the
     * top bits of b[j−4] (scale) and b[j] (min).
     */
    static int scaleK4(ByteBuffer src, int at, int j) {
        return j < 4 ? u8(src, at + j) & 63 : (u8(src, at + j + 4) & 0xF) | (u8(src, at + j - 4) >> 6) << 4;
    }

    static int minK4(ByteBuffer src, int at, int j) {
        return j < 4 ? u8(src, at + j + 4) & 63 : (u8(src, at + j + 4) >> 4) | (u8(src, at + j) >> 6) << 4;
    }

    static final BlockDecoder Q4_K = (src, at, dst, o) -> {
        float d = half(src, at);
        float dmin = half(src, at + 2);
        int scales = at + 4;
        int qs = at + 16;
        int y = o;
        for (int chunk = 0; chunk < 4; chunk++) {       // 64 values from 32 bytes: low nibbles, then high
            int q = qs + 32 * chunk;
            float d1 = d * scaleK4(src, scales, 2 * chunk);
            float m1 = dmin * minK4(src, scales, 2 * chunk);
            float d2 = d * scaleK4(src, scales, 2 * chunk + 1);
            float m2 = dmin * minK4(src, scales, 2 * chunk + 1);
            for (int l = 0; l < 32; l++) {
                dst[y++] = d1 * (u8(src, q + l) & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                dst[y++] = d2 * (u8(src, q + l) >> 4) - m2;
            }
        }
    };

    static final BlockDecoder Q5_K = (src, at, dst, o) -> {
        float d = half(src, at);
        float dmin = half(src, at + 2);
        int scales = at + 4;
        int qh = at + 16;
        int qs = at + 48;
        int y = o;
        for (int chunk = 0; chunk < 4; chunk++) {
            int q = qs + 32 * chunk;
            int bit1 = 1 << (2 * chunk);
            int bit2 = 2 << (2 * chunk);
            float d1 = d * scaleK4(src, scales, 2 * chunk);
            float m1 = dmin * minK4(src, scales, 2 * chunk);
            float d2 = d * scaleK4(src, scales, 2 * chunk + 1);
            float m2 = dmin * minK4(src, scales, 2 * chunk + 1);
            for (int l = 0; l < 32; l++) {
                dst[y++] = d1 * ((u8(src, q + l) & 0xF) + ((u8(src, qh + l) & bit1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                dst[y++] = d2 * ((u8(src, q + l) >> 4) + ((u8(src, qh + l) & bit2) != 0 ? 16 : 0)) - m2;
            }
        }
    };

    static final BlockDecoder Q6_K = (src, at, dst, o) -> {
        int ql = at;
        int qh = at + 128;
        int sc = at + 192;
        float d = half(src, at + 208);
        for (int half = 0; half < 2; half++) {          // 128 values from 64 bytes of ql and 32 of qh
            int l0 = ql + 64 * half;
            int h0 = qh + 32 * half;
            int s0 = sc + 8 * half;
            int y = o + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(src, h0 + l);
                int q1 = ((u8(src, l0 + l) & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((u8(src, l0 + l + 32) & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((u8(src, l0 + l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((u8(src, l0 + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                dst[y + l] = d * src.get(s0 + is) * q1;
                dst[y + l + 32] = d * src.get(s0 + is + 2) * q2;
                dst[y + l + 64] = d * src.get(s0 + is + 4) * q3;
                dst[y + l + 96] = d * src.get(s0 + is + 6) * q4;
            }
        }
    };

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    private static float half(ByteBuffer b, int at) {
        return Half.toFloat(b.getShort(at));
    }
}
