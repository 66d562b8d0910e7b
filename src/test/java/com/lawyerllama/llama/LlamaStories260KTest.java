package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forward pass against llama2.c's reference output for karpathy's stories260K. */
class LlamaStories260KTest {
    @TempDir
    static Path tmp;
    static Path modelDir;

    @BeforeAll
    static void convert() throws Exception {
        modelDir = tmp.resolve("stories260K");
        Llama2cImporter.convert(SharedData.path("models/stories260K/stories260K.bin"),
                SharedData.path("models/stories260K/tok512.bin"), modelDir);
    }

    @Test
    void convertedDirectoryHasTheHuggingFaceLayout() {
        assertTrue(Files.exists(modelDir.resolve("config.json")));
        assertTrue(Files.exists(modelDir.resolve("model.safetensors")));
        assertTrue(Files.exists(modelDir.resolve("tokenizer.model")));
    }

    @Test
    void greedyDecodingFromBosMatchesLlama2cExactly() throws Exception {
        // llama2.c `run -t 0 -n 256` samples 256 tokens after BOS and prints a newline at the end.
        String expected = Files.readString(SharedData.path("models/stories260K/expected_greedy_t0_n256.txt"));
        Tokenizer tokenizer = Tokenizers.load(modelDir);
        try (LlamaModel model = LlamaModel.load(modelDir, Device.cpu(), 512)) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult result = new Generator(model, tokenizer).generate(new int[] {tokenizer.bosId()},
                    GenerationOptions.greedy(256), (id, text) -> streamed.append(text), () -> false);
            assertEquals(256, result.generatedTokens());
            assertEquals(expected, result.text() + "\n");
            assertEquals(result.text(), streamed.toString());
        }
    }

    @Test
    void fullSequenceLogitsEqualIncrementalDecoding() throws Exception {
        try (LlamaModel model = LlamaModel.load(modelDir, Device.cpu(), 512);
             NDManager scope = model.manager().newSubManager()) {
            long[] ids = {1, 403, 407, 261, 378, 439, 260, 363, 284, 357};
            NDArray all = model.logits(scope.create(ids, new Shape(1, ids.length)));     // [1, T, V]
            KvCache cache = model.newCache(1, 64, scope);
            NDArray prefill = model.decode(scope.create(new long[] {1, 403, 407, 261}, new Shape(1, 4)), cache);
            assertClose(all.get(new NDIndex("0, 3, :")).toFloatArray(), prefill.get(0).toFloatArray());
            for (int t = 4; t < ids.length; t++) {
                NDArray step = model.decode(scope.create(new long[] {ids[t]}, new Shape(1, 1)), cache);
                assertClose(all.get(new NDIndex("0, {}, :", t)).toFloatArray(), step.get(0).toFloatArray());
            }
        }
    }

    @Test
    void savedThenReloadedModelGivesIdenticalLogits() throws Exception {
        Path saved = tmp.resolve("resaved");
        try (LlamaModel model = LlamaModel.load(modelDir, Device.cpu(), 512);
             NDManager scope = model.manager().newSubManager()) {
            Checkpoints.save(model, saved, SafetensorsReader.DType.F32, 200_000);   // forces several shards
            assertTrue(Files.exists(saved.resolve(SafetensorsReader.INDEX_FILE)));
            long[] ids = {1, 403, 407, 261, 378};
            float[] before = model.logits(scope.create(ids, new Shape(1, ids.length))).toFloatArray();
            try (LlamaModel reloaded = LlamaModel.load(saved, Device.cpu(), 512);
                 NDManager scope2 = reloaded.manager().newSubManager()) {
                float[] after = reloaded.logits(scope2.create(ids, new Shape(1, ids.length))).toFloatArray();
                assertArrayEquals(before, after);
                assertEquals(model.config(), reloaded.config());
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f, "logit " + i);
        }
    }
}
