package com.lawyerllama.llama.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader's view of a file: metadata, tensor infos, alignment, and clear errors for bad files. */
class GgufFileTest {
    @TempDir
    Path tmp;

    private Path small(int alignment) throws Exception {
        Path file = tmp.resolve("small-" + alignment + ".gguf");
        float[] v = new float[96];
        for (int i = 0; i < v.length; i++) {
            v[i] = i / 4f;
        }
        new GgufWriter(alignment)
                .putString("general.architecture", "llama")
                .putUint32("llama.block_count", 2)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putStringArray("tokenizer.ggml.tokens", List.of("<unk>", "▁a", "中文"))
                .addTensor("a", new long[] {3, 32}, GgmlType.F32, (first, into, count) -> System.arraycopy(v, (int) first, into, 0, count))
                .addTensor("b", new long[] {3, 32}, GgmlType.F16, (first, into, count) -> System.arraycopy(v, (int) first, into, 0, count))
                .addTensor("c", new long[] {96}, GgmlType.Q8_0, (first, into, count) -> System.arraycopy(v, (int) first, into, 0, count))
                .write(file);
        return file;
    }

    @Test
    void readsMetadataAndTensorsAtAnyAlignment() throws Exception {
        for (int alignment : new int[] {32, 64}) {
            try (GgufFile f = GgufFile.open(small(alignment))) {
                assertEquals(3, f.version());
                assertEquals(alignment, f.alignment());
                assertEquals("llama", f.string("general.architecture"));
                assertEquals(2, f.integer("llama.block_count"));
                assertEquals(1e-5, f.number("llama.attention.layer_norm_rms_epsilon", 0), 1e-9);
                assertTrue(f.bool("tokenizer.ggml.add_bos_token", false));
                assertEquals(List.of("<unk>", "▁a", "中文"), f.array("tokenizer.ggml.tokens"));
                GgufFile.TensorInfo a = f.tensor("a");
                assertArrayEquals(new long[] {32, 3}, a.dims());
                assertArrayEquals(new long[] {3, 32}, a.shape());
                assertEquals(0, (a.offset() - f.tensor("b").offset()) % alignment);
                float[] expected = new float[96];
                for (int i = 0; i < 96; i++) {
                    expected[i] = i / 4f;
                }
                assertArrayEquals(expected, f.readAll(a));
                assertArrayEquals(expected, f.readAll(f.tensor("b")));       // multiples of 1/4 are exact in fp16
                float[] q8 = f.readAll(f.tensor("c"));
                for (int i = 0; i < 96; i++) {
                    assertEquals(expected[i], q8[i], 24 / 127f / 2 + 1e-3, "Q8_0 element " + i);
                }
            }
        }
    }

    @Test
    void q4kEncodingReadsBackWithinItsStep() throws Exception {
        java.util.Random random = new java.util.Random(3);
        float[] v = new float[4 * 512];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        Path file = tmp.resolve("q4k.gguf");
        new GgufWriter().addTensor("w", new long[] {4, 512}, GgmlType.Q4_K,
                (first, into, count) -> System.arraycopy(v, (int) first, into, 0, count)).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(GgmlType.Q4_K, f.tensor("w").type());
            float[] back = f.readAll(f.tensor("w"));
            for (int g = 0; g < v.length / 32; g++) {
                float lo = 0;
                float hi = -Float.MAX_VALUE;
                for (int l = 0; l < 32; l++) {
                    lo = Math.min(lo, v[32 * g + l]);
                    hi = Math.max(hi, v[32 * g + l]);
                }
                // half a level, plus the rounding of the six-bit scale and minimum
                float tolerance = (hi - lo) / 15f * 0.75f + 0.05f;
                for (int l = 0; l < 32; l++) {
                    int i = 32 * g + l;
                    assertEquals(v[i], back[i], tolerance, "element " + i);
                }
            }
        }
    }

    @Test
    void wrongMagicIsNamed() throws Exception {
        Path file = tmp.resolve("not.gguf");
        Files.write(file, "GGML and then some bytes that are not a GGUF header".getBytes());
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file));
        assertTrue(e.getMessage().contains("is not a GGUF file"), e.getMessage());
    }

    @Test
    void unsupportedVersionIsNamed() throws Exception {
        byte[] bytes = Files.readAllBytes(small(32));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        Path file = tmp.resolve("v1.gguf");
        Files.write(file, bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file));
        assertTrue(e.getMessage().contains("version 1 (supported: 2 and 3)"), e.getMessage());
    }

    @Test
    void truncatedFilesAreNamedWhereverTheyEnd() throws Exception {
        byte[] bytes = Files.readAllBytes(small(32));
        for (int keep : new int[] {2, 30, 200, bytes.length - 40}) {
            Path file = tmp.resolve("cut-" + keep + ".gguf");
            Files.write(file, java.util.Arrays.copyOf(bytes, keep));   // (the last 31 bytes may be padding)
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file));
            assertTrue(e.getMessage().contains("is truncated"), keep + ": " + e.getMessage());
        }
    }

    @Test
    void unknownAndUnsupportedTypesNameTheTensorAndTheType() throws Exception {
        Path unknown = tmp.resolve("unknown.gguf");
        new GgufWriter().addRawTensor("blk.0.attn_q.weight", new long[] {32}, GgmlType.Q8_0, ByteBuffer.allocate(34)).write(unknown);
        byte[] bytes = Files.readAllBytes(unknown);
        // the type field follows the name, n_dims and the one dim
        int typeAt = 4 + 4 + 8 + 8 + 8 + "blk.0.attn_q.weight".length() + 4 + 8;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 77);
        Files.write(unknown, bytes);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(unknown));
        assertTrue(e.getMessage().contains("tensor blk.0.attn_q.weight has unknown ggml type 77"), e.getMessage());

        Path iq = tmp.resolve("iq.gguf");
        new GgufWriter().addRawTensor("blk.0.ffn_up.weight", new long[] {256}, GgmlType.IQ2_XXS,
                ByteBuffer.allocate(GgmlType.IQ2_XXS.blockBytes)).write(iq);
        try (GgufFile f = GgufFile.open(iq)) {
            e = assertThrows(GgufFormatException.class, () -> f.readAll(f.tensor("blk.0.ffn_up.weight")));
            assertTrue(e.getMessage().contains("tensor blk.0.ffn_up.weight has type IQ2_XXS"), e.getMessage());
            e = assertThrows(GgufFormatException.class, () -> f.tensor("output.weight"));
            assertTrue(e.getMessage().contains("has no tensor output.weight"), e.getMessage());
        }
    }
}
