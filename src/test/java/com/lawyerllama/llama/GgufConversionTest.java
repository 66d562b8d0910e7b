package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.gguf.GgmlType;
import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.NodeLlamaCpp;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code convert --to gguf} writes files llama.cpp loads and decodes like the engine decodes the
 * Hugging Face original; {@code convert --from gguf} gives the original back.
 */
class GgufConversionTest {
    private static final String TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}</s>{% endfor %}"
            + "{% if add_generation_prompt %}<|assistant|>{% endif %}";
    private static final String PROMPT = "Once upon a time, a little girl named Lily";

    @TempDir
    static Path tmp;
    static Path original;

    /**
     * A LLaMA with grouped KV heads and random weights large enough (σ = 0.5 rather than the
     * usual 0.02) that its greedy choices differ from step to step and are clear, with the
     * stories260K SentencePiece tokenizer and a chat template.
     */
    @BeforeAll
    static void writeOriginal() throws Exception {
        LlamaConfig config = new LlamaConfig(64, 160, 2, 4, 2, 16, 1e-5, 10000.0, null, 512, 512, false, 1, List.of(2), "float32");
        original = writeRandom(config, "original", dir -> {
            Tokenizers.convertLlama2c(SharedData.path("models/stories260K/tok512.bin"), dir);
            Path config2 = dir.resolve("tokenizer_config.json");
            String json = Files.readString(config2);
            Files.writeString(config2, json.replaceFirst("\\{", "{\"chat_template\": " + quote(TEMPLATE) + ", "));
        });
    }

    /** A checkpoint with random weights of σ 0.5 (norms near 1) and the tokenizer files {@code tokenizer} adds. */
    static Path writeRandom(LlamaConfig config, String name, Checkpoints.DirectoryWriter tokenizer) throws Exception {
        Random random = new Random(11);
        NDManager manager = NDManager.newBaseManager(Device.cpu());
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : LlamaModel.parameterShapes(config).entrySet()) {
            float[] v = new float[(int) e.getValue().size()];
            boolean norm = e.getValue().dimension() == 1 && !e.getKey().endsWith(".bias");
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? 1f + 0.1f * (float) random.nextGaussian() : 0.5f * (float) random.nextGaussian();
            }
            params.put(e.getKey(), manager.create(v, e.getValue()));
        }
        Path out = tmp.resolve(name);
        try (LlamaModel model = new LlamaModel(config, manager, params, 512)) {
            Checkpoints.writeAtomically(out, dir -> {
                model.saveTo(dir, SafetensorsReader.DType.F32, Long.MAX_VALUE);
                tokenizer.write(dir);
            });
        }
        return out;
    }

    /**
     * A Qwen2 (q/k/v bias, tied embeddings, rope_theta 1e6) with Qwen's byte-level tokenizer and
     * chat template: exported to GGUF (gpt2 tokenizer, qwen2 pre-tokenizer), llama.cpp tokenizes
     * Chinese and English like the engine and decodes like the engine on the original; the engine
     * serves the GGUF file itself like the original, with the same chat template.
     */
    @Test
    void qwen2ExportsWithItsTokenizerAndTemplate() throws Exception {
        LlamaConfig config = new LlamaConfig(64, 160, 2, 4, 2, 16, 1e-6, 1000000.0, null, 4096, 151936, true, 151643,
                List.of(151645, 151643), "float32", Architecture.QWEN2, null);
        Path qwen = writeRandom(config, "qwen2", dir -> {
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(SharedData.path("tokenizers/qwen3/" + f), dir.resolve(f));
            }
        });
        Path gguf = tmp.resolve("qwen2-F16.gguf");
        Cli.Result r = Cli.run("convert", "--to", "gguf", "--model", qwen.toString(), "--out", gguf.toString(), "--type", "F16");
        assertEquals(0, r.code(), r.stderr());
        String text = "《中华人民共和国民法典》第五百八十六条 定金 deposit, 2026年 ";
        Tokenizer hf = Tokenizers.load(qwen);
        Tokenizer fromGguf = Tokenizers.load(gguf);
        int[] prompt = hf.encode(text, hf.addsBos());
        assertArrayEquals(prompt, fromGguf.encode(text, fromGguf.addsBos()), "the GGUF tokenizer encodes like tokenizer.json");
        assertEquals(text, fromGguf.decode(prompt));

        Greedy engine = engineGreedy(qwen, prompt, 12);
        NodeLlamaCpp.Result llamaCpp = NodeLlamaCpp.greedy(gguf, text, 12, 1);
        assertArrayEquals(prompt, llamaCpp.prompt(), "llama.cpp tokenizes the GGUF file's vocabulary like the engine");
        assertSameWhileClear(engine, llamaCpp.tokens(), 0.05f, 6, "qwen2 F16");

        Greedy served = engineGreedy(gguf, prompt, 12);
        assertArrayEquals(engine.tokens(), served.tokens(), "the engine serves the GGUF file like the original");
        var messages = List.of(com.lawyerllama.llama.chat.ChatMessage.user("定金和订金有什么区别？"));
        assertEquals(com.lawyerllama.llama.chat.ChatFormats.forModel(qwen, hf, "auto", Map.of()).render(messages, true),
                com.lawyerllama.llama.chat.ChatFormats.forModel(gguf, fromGguf, "auto", Map.of()).render(messages, true));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Greedy tokens with the margin between the best and the second-best logit at each step. */
    private record Greedy(int[] tokens, float[] margins) {
    }

    private static Greedy engineGreedy(Path model, int[] prompt, int n) throws Exception {
        try (LlamaModel m = LlamaModel.load(model, Device.cpu(), 256); NDManager scope = m.manager().newSubManager();
             KvCache cache = m.newCache(1, 256, scope)) {
            int[] tokens = new int[n];
            float[] margins = new float[n];
            NDArray input = scope.create(java.util.Arrays.stream(prompt).asLongStream().toArray(), new Shape(1, prompt.length));
            for (int i = 0; i < n; i++) {
                float[] logits = m.decode(input, cache).toFloatArray();
                int best = Sampler.argmax(logits);
                float second = Float.NEGATIVE_INFINITY;
                for (int v = 0; v < logits.length; v++) {
                    if (v != best) {
                        second = Math.max(second, logits[v]);
                    }
                }
                tokens[i] = best;
                margins[i] = logits[best] - second;
                input = scope.create(new long[] {best}, new Shape(1, 1));
            }
            return new Greedy(tokens, margins);
        }
    }

    /**
     * llama.cpp's greedy tokens equal the engine's up to the first difference, which may only come
     * where the engine's top-2 margin is below {@code clear} (rounding may swap a close second
     * there); after it the two continue from different contexts and are not compared.
     */
    private static void assertSameWhileClear(Greedy engine, int[] reference, float clear, int atLeast, String what) {
        int same = 0;
        while (same < engine.tokens().length && engine.tokens()[same] == reference[same]) {
            same++;
        }
        if (same < engine.tokens().length) {
            assertTrue(engine.margins()[same] < clear, what + ": token " + same + " differs (" + engine.tokens()[same] + " vs "
                    + reference[same] + ") although the engine's margin is " + engine.margins()[same]);
        }
        assertTrue(same >= atLeast, what + ": only " + same + " tokens equal before a close call: "
                + java.util.Arrays.toString(engine.margins()));
    }

    @Test
    void exportsLoadInLlamaCppAndDecodeLikeTheOriginal() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(original);
        int[] prompt = tokenizer.encode(PROMPT, true);
        Greedy engine = engineGreedy(original, prompt, 16);

        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0)) {
            Path gguf = tmp.resolve("model-" + type + ".gguf");
            Cli.Result r = Cli.run("convert", "--to", "gguf", "--model", original.toString(), "--out", gguf.toString(), "--type", type.name());
            assertEquals(0, r.code(), r.stderr());
            try (GgufFile f = GgufFile.open(gguf)) {
                assertEquals(TEMPLATE, f.string("tokenizer.chat_template"));
                assertEquals(type, f.tensor("blk.0.attn_q.weight").type());
                assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").type());
            }
            NodeLlamaCpp.Result llamaCpp = NodeLlamaCpp.greedy(gguf, PROMPT, 16, 1);
            assertArrayEquals(prompt, llamaCpp.prompt(), type + ": llama.cpp tokenizes the prompt as the engine does");
            // Compare while the engine's choice is clear: F32 differs from the engine only in the order
            // of float sums; F16 and Q8_0 round the weights, so a close second may win there.
            float clear = type == GgmlType.F32 ? 1e-3f : type == GgmlType.F16 ? 0.05f : 0.25f;
            assertSameWhileClear(engine, llamaCpp.tokens(), clear, type == GgmlType.F32 ? 16 : 8, type.name());
        }
    }

    @Test
    void aGgufFileConvertsBackToTheHuggingFaceOriginal() throws Exception {
        Path gguf = tmp.resolve("back.gguf");
        assertEquals(0, Cli.run("convert", "--to", "gguf", "--model", original.toString(), "--out", gguf.toString(), "--type", "F32").code());
        Path back = tmp.resolve("back");
        Cli.Result r = Cli.run("convert", "--from", "gguf", "--in", gguf.toString(), "--out", back.toString());
        assertEquals(0, r.code(), r.stderr());
        assertEquals(LlamaConfig.read(original), LlamaConfig.read(back));
        assertTrue(LlamaConfig.read(gguf).torchDtype().startsWith("F32 ×"), LlamaConfig.read(gguf).torchDtype());
        try (LlamaModel a = LlamaModel.load(original, Device.cpu(), 16); LlamaModel b = LlamaModel.load(back, Device.cpu(), 16)) {
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).toFloatArray(), b.parameters().get(name).toFloatArray(), 0f, name);
            }
        }
        Tokenizer t0 = Tokenizers.load(original);
        Tokenizer t1 = Tokenizers.load(back);
        assertArrayEquals(t0.encode(PROMPT, true), t1.encode(PROMPT, true));
        assertTrue(Files.readString(back.resolve("tokenizer_config.json")).contains("\"chat_template\""));
    }
}
