package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.lawyerllama.llama.gguf.GgmlType;
import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufWriter;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.NodeLlamaCpp;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files served directly: llama.cpp's own test model decodes to llama.cpp's greedy tokens
 * (llama.cpp run through node-llama-cpp), and broken files are refused with the problem named,
 * while a serving engine keeps its model.
 */
class GgufModelTest {
    private static final Path TINY = SharedData.path("models/gguf/llama-2-tiny-random.gguf");

    @TempDir
    Path tmp;

    @Test
    void llamaTinyRandomDecodesLikeLlamaCpp() throws Exception {
        String prompt = "Once upon a time, in a small village";
        NodeLlamaCpp.Result reference = NodeLlamaCpp.greedy(TINY, prompt, 24, 1);

        Tokenizer tokenizer = Tokenizers.load(TINY);
        int[] ids = tokenizer.encode(prompt, true);
        assertArrayEquals(reference.prompt(), ids, "prompt tokens");
        try (LlamaModel model = LlamaModel.load(TINY, Device.cpu(), 256)) {
            LlamaConfig c = model.config();
            assertEquals(Architecture.LLAMA, c.architecture());
            assertEquals(8, c.hiddenSize());
            assertEquals(32000, c.vocabSize());
            assertEquals(false, c.tieWordEmbeddings());
            List<Integer> generated = new ArrayList<>();
            new Generator(model, tokenizer).generate(ids, GenerationOptions.greedy(24), (id, text) -> generated.add(id), () -> false);
            assertArrayEquals(reference.tokens(), generated.stream().mapToInt(Integer::intValue).toArray(), "greedy tokens");
        }
    }

    /** A copy of the tiny model, with metadata and tensors changed by {@code edit}. */
    private Path copyOfTiny(String name, Predicate<String> keepKey, Predicate<String> keepTensor, String archOverride,
                            String wrongShapeTensor) throws Exception {
        Path out = tmp.resolve(name);
        try (GgufFile f = GgufFile.open(TINY)) {
            GgufWriter w = new GgufWriter().copyMetadata(f, keepKey);
            if (archOverride != null) {
                w.putString("general.architecture", archOverride);
            }
            for (GgufFile.TensorInfo t : f.tensors().values()) {
                if (!keepTensor.test(t.name())) {
                    continue;
                }
                if (t.name().equals(wrongShapeTensor)) {
                    long[] shape = t.shape();
                    shape[0] /= 2;
                    var bytes = f.map(t);
                    bytes.limit(bytes.capacity() / 2);
                    w.addRawTensor(t.name(), shape, t.type(), bytes);
                } else {
                    w.addRawTensor(t.name(), t.shape(), t.type(), f.map(t));
                }
            }
            w.write(out);
        }
        return out;
    }

    @Test
    void brokenFilesAreRefusedNamingTheProblemAndTheServedModelStays() throws Exception {
        Path missing = copyOfTiny("missing.gguf", k -> true, t -> !t.equals("blk.0.ffn_up.weight"), null, null);
        Path wrongShape = copyOfTiny("shape.gguf", k -> true, t -> true, null, "blk.0.attn_k.weight");
        Path arch = copyOfTiny("arch.gguf", k -> !k.startsWith("llama."), t -> true, "chatglm", null);
        Path truncated = tmp.resolve("truncated.gguf");
        byte[] bytes = Files.readAllBytes(TINY);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path notGguf = tmp.resolve("text.gguf");
        Files.writeString(notGguf, "this is not a model");

        assertEquals(roundTrip(copyOfTiny("same.gguf", k -> true, t -> true, null, null)), roundTrip(TINY),
                "an unchanged copy loads and decodes as the original");

        Path served = TestModels.stories260K();
        Tokenizer tokenizer = Tokenizers.load(served);
        LlamaModel model = LlamaModel.load(served, Device.cpu(), 512);
        try (LlamaEngine engine = new LlamaEngine(served, model, tokenizer, null, GenerationOptions.defaults(), 2, 4)) {
            String[][] cases = {
                    {missing.toString(), "has no tensor blk.0.ffn_up.weight"},
                    {wrongShape.toString(), "tensor blk.0.attn_k.weight has shape (4, 8), expected (8, 8)"},
                    {arch.toString(), "unsupported model architecture 'chatglm'"},
                    {truncated.toString(), "is truncated"},
                    {notGguf.toString(), "is not a GGUF file"},
            };
            for (String[] c : cases) {
                Exception e = assertThrows(RuntimeException.class, () -> engine.activate(Path.of(c[0])));
                assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
                assertEquals(served, engine.path());
            }
            assertEquals(5, engine.submit("Once", GenerationOptions.greedy(5), TokenListener.NONE)
                    .result().get(30, TimeUnit.SECONDS).generatedTokens());
            engine.activate(TINY);
            assertEquals(TINY, engine.path());
            assertEquals("GGUF (F16 ×9, F32 ×3, dequantized at load)", engine.describe().get("sourceFormat"));
            assertEquals(roundTrip(TINY), engine.submit("Once upon a time", GenerationOptions.greedy(6), TokenListener.NONE)
                    .result().get(30, TimeUnit.SECONDS).text());
        }
    }

    private static String roundTrip(Path gguf) throws Exception {
        try (LlamaModel model = LlamaModel.load(gguf, Device.cpu(), 64)) {
            return new Generator(model, Tokenizers.load(gguf)).generate("Once upon a time", GenerationOptions.greedy(6),
                    TokenListener.NONE, () -> false).text();
        }
    }

    @Test
    void anUnsupportedTensorTypeIsNamedWithItsTensor() throws Exception {
        Path out = tmp.resolve("iq.gguf");
        try (GgufFile f = GgufFile.open(TINY)) {
            GgufWriter w = new GgufWriter().copyMetadata(f, k -> true);
            for (GgufFile.TensorInfo t : f.tensors().values()) {
                if (t.name().equals("blk.0.ffn_gate.weight")) {
                    // 8 × 32 values would not fill a 256-value IQ block: give it one whole block of another shape
                    w.addRawTensor(t.name(), new long[] {32, 8}, GgmlType.IQ4_NL, java.nio.ByteBuffer.allocate(8 * GgmlType.IQ4_NL.blockBytes));
                } else {
                    w.addRawTensor(t.name(), t.shape(), t.type(), f.map(t));
                }
            }
            w.write(out);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(out, Device.cpu(), 64));
        assertTrue(e.getMessage().contains("tensor blk.0.ffn_gate.weight has type IQ4_NL"), e.getMessage());
    }
}
