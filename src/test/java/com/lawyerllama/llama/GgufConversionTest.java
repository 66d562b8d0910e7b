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
        Random random = new Random(11);
        NDManager manager = NDManager.newBaseManager(Device.cpu());
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : LlamaModel.parameterShapes(config).entrySet()) {
            float[] v = new float[(int) e.getValue().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getValue().dimension() == 1 ? 1f + 0.1f * (float) random.nextGaussian() : 0.5f * (float) random.nextGaussian();
            }
            params.put(e.getKey(), manager.create(v, e.getValue()));
        }
        original = tmp.resolve("original");
        try (LlamaModel model = new LlamaModel(config, manager, params, 512)) {
            Checkpoints.writeAtomically(original, dir -> {
                model.saveTo(dir, SafetensorsReader.DType.F32, Long.MAX_VALUE);
                Tokenizers.convertLlama2c(SharedData.path("models/stories260K/tok512.bin"), dir);
                Path config2 = dir.resolve("tokenizer_config.json");
                String json = Files.readString(config2);
                Files.writeString(config2, json.replaceFirst("\\{", "{\"chat_template\": " + quote(TEMPLATE) + ", "));
            });
        }
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
            int compared = 0;
            while (compared < engine.tokens().length && engine.margins()[compared] > clear) {
                assertEquals(engine.tokens()[compared], llamaCpp.tokens()[compared], type + ": token " + compared
                        + " (engine margin " + engine.margins()[compared] + ")");
                compared++;
            }
            assertTrue(compared >= (type == GgmlType.F32 ? 16 : 8), type + ": only " + compared + " tokens had a clear margin: "
                    + java.util.Arrays.toString(engine.margins()));
        }
    }

    @Test
    void aGgufFileConvertsBackToTheHuggingFaceOriginal() throws Exception {
        Path gguf = tmp.resolve("back.gguf");
        assertEquals(0, Cli.run("convert", "--to", "gguf", "--model", original.toString(), "--out", gguf.toString(), "--type", "F32").code());
        Path back = tmp.resolve("back");
        Cli.Result r = Cli.run("convert", "--from", "gguf", "--in", gguf.toString(), "--out", back.toString());
        assertEquals(0, r.code(), r.stderr());
        assertEquals(LlamaConfig.read(original).withArchitecture(Architecture.LLAMA), LlamaConfig.read(back));
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
