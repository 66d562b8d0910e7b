package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.lawyerllama.training.TrainableWeights;
import com.lawyerllama.training.TrainingPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random-weight Qwen2 (q/k/v bias, tied embeddings, a real config's disabled sliding window) and
 * Qwen3 (q/k norm, head_dim ≠ hidden/heads, GQA, bf16 on disk) checkpoints, written here, decode
 * greedily to the same tokens on the engine as on {@link HfDecoderReference}, a plain
 * implementation of the Hugging Face definitions. The reference was checked once against
 * transformers itself (docs/models.md, "Cross-check against transformers"); with
 * {@code -Dqwen.reference.dir=DIR} this test leaves its checkpoints in DIR for that check.
 */
class QwenReferenceTest {
    static final int[] PROMPT = {3, 17, 42, 5, 99};
    static final int STEPS = 16;

    /** A shape, the architecture's options, and the config.json a transformers release would write for it. */
    record Spec(String name, int hidden, int inter, int layers, int heads, int kvHeads, int headDim, int vocab,
                double eps, double theta, boolean bias, boolean qkNorm, boolean tied, SafetensorsReader.DType fileType) {

        String configJson() {
            String common = "\"hidden_size\": " + hidden + ", \"intermediate_size\": " + inter + ", \"num_hidden_layers\": " + layers
                    + ", \"num_attention_heads\": " + heads + ", \"num_key_value_heads\": " + kvHeads
                    + ", \"rms_norm_eps\": " + eps + ", \"vocab_size\": " + vocab
                    + ", \"max_position_embeddings\": 128, \"tie_word_embeddings\": " + tied
                    + ", \"hidden_act\": \"silu\", \"bos_token_id\": 1, \"eos_token_id\": 2, \"initializer_range\": 0.02"
                    + ", \"attention_dropout\": 0.0, \"use_cache\": true";
            String dtype = fileType == SafetensorsReader.DType.BF16 ? "bfloat16" : "float32";
            if (qkNorm) {
                // As transformers 5 writes it: rope_parameters, layer_types, dtype
                String layerTypes = String.join(", ", java.util.Collections.nCopies(layers, "\"full_attention\""));
                return "{\"architectures\": [\"Qwen3ForCausalLM\"], \"model_type\": \"qwen3\", " + common + ", \"head_dim\": " + headDim
                        + ", \"rope_parameters\": {\"rope_theta\": " + theta + ", \"rope_type\": \"default\"}"
                        + ", \"layer_types\": [" + layerTypes + "]"
                        + ", \"attention_bias\": false, \"use_sliding_window\": false, \"sliding_window\": null"
                        + ", \"max_window_layers\": 28, \"dtype\": \"" + dtype + "\"}";
            }
            // As Qwen2.5 ships it (transformers 4): a window and max_window_layers below the layer count, but
            // use_sliding_window false.
            return "{\"architectures\": [\"Qwen2ForCausalLM\"], \"model_type\": \"qwen2\", " + common
                    + ", \"rope_theta\": " + theta + ", \"rope_scaling\": null"
                    + ", \"use_sliding_window\": false, \"sliding_window\": 32, \"max_window_layers\": 1"
                    + ", \"torch_dtype\": \"" + dtype + "\"}";
        }

        /** Tensor name → shape, in the Hugging Face layout. */
        Map<String, long[]> shapes() {
            Map<String, long[]> s = new LinkedHashMap<>();
            s.put("model.embed_tokens.weight", new long[] {vocab, hidden});
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                s.put(p + "input_layernorm.weight", new long[] {hidden});
                s.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * headDim, hidden});
                s.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
                s.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
                if (bias) {
                    s.put(p + "self_attn.q_proj.bias", new long[] {(long) heads * headDim});
                    s.put(p + "self_attn.k_proj.bias", new long[] {(long) kvHeads * headDim});
                    s.put(p + "self_attn.v_proj.bias", new long[] {(long) kvHeads * headDim});
                }
                if (qkNorm) {
                    s.put(p + "self_attn.q_norm.weight", new long[] {headDim});
                    s.put(p + "self_attn.k_norm.weight", new long[] {headDim});
                }
                s.put(p + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * headDim});
                s.put(p + "post_attention_layernorm.weight", new long[] {hidden});
                s.put(p + "mlp.gate_proj.weight", new long[] {inter, hidden});
                s.put(p + "mlp.up_proj.weight", new long[] {inter, hidden});
                s.put(p + "mlp.down_proj.weight", new long[] {hidden, inter});
            }
            s.put("model.norm.weight", new long[] {hidden});
            if (!tied) {
                s.put("lm_head.weight", new long[] {vocab, hidden});
            }
            return s;
        }
    }

    static final Spec QWEN2 = new Spec("qwen2", 64, 160, 3, 4, 2, 16, 256, 1e-6, 1000000.0, true, false, true,
            SafetensorsReader.DType.F32);
    static final Spec QWEN3 = new Spec("qwen3", 48, 112, 3, 4, 2, 24, 256, 1e-6, 1000000.0, false, true, false,
            SafetensorsReader.DType.BF16);

    @TempDir
    Path tmp;

    @Test
    void qwen2WithBiasAndTiedEmbeddingsMatchesTheReference() throws IOException {
        decodesLikeTheReference(QWEN2, 11);
    }

    @Test
    void qwen3WithQkNormAndWideHeadsMatchesTheReference() throws IOException {
        decodesLikeTheReference(QWEN3, 12);
    }

    private void decodesLikeTheReference(Spec spec, long seed) throws IOException {
        Path dir = Files.createDirectories(checkpointRoot().resolve(spec.name()));
        Map<String, float[]> weights = writeCheckpoint(spec, seed, dir);
        HfDecoderReference reference = new HfDecoderReference(spec.hidden(), spec.inter(), spec.layers(), spec.heads(),
                spec.kvHeads(), spec.headDim(), spec.vocab(), spec.eps(), spec.theta(), spec.bias(), spec.qkNorm(), spec.tied(),
                weights);
        int[] expected = reference.greedy(PROMPT, STEPS);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), 64)) {
            assertEquals(spec.name(), model.config().architecture().modelType());
            assertEquals(spec.theta(), model.config().ropeTheta());
            int[] actual = greedy(model, PROMPT, STEPS);
            if (System.getProperty("qwen.reference.dir") != null) {
                System.out.println(spec.name() + " " + dir + " prompt " + Arrays.toString(PROMPT) + " greedy " + Arrays.toString(actual));
            }
            assertArrayEquals(expected, actual, spec.name() + ": engine " + Arrays.toString(actual) + " vs reference "
                    + Arrays.toString(expected));
            // and the logits themselves, over the whole generated sequence
            int[] all = concat(PROMPT, Arrays.copyOf(actual, STEPS - 1));
            double[] ref = reference.lastLogits(all);
            try (NDManager scope = model.manager().newSubManager()) {
                long[] ids = Arrays.stream(all).asLongStream().toArray();
                float[] logits = model.logits(scope.create(ids, new Shape(1, ids.length))).toFloatArray();
                int offset = (all.length - 1) * spec.vocab();
                for (int i = 0; i < spec.vocab(); i++) {
                    assertEquals(ref[i], logits[offset + i], 2e-3 * (1 + Math.abs(ref[i])), spec.name() + " logit " + i);
                }
            }
        }
    }

    @Test
    void trainingReachesEveryQwenWeightAndTheirAdapters() throws IOException {
        for (Spec spec : List.of(QWEN2, QWEN3)) {
            Path dir = Files.createDirectories(tmp.resolve("train-" + spec.name()));
            writeCheckpoint(spec, 5, dir);
            try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), 64);
                 NDManager scope = model.manager().newSubManager()) {
                NDArray tokens = scope.create(new long[] {1, 5, 9, 13, 1, 7, 7, 30}, new Shape(2, 4));
                float[] before = model.logits(tokens).toFloatArray();
                try (TrainableWeights lora = TrainableWeights.lora(model, new TrainingPlan.Lora(2, 4,
                        List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")), 3)) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = lora.forwardModel(scope).logits(tokens);
                        assertArrayEquals(before, logits.toFloatArray(), 1e-4f, spec.name() + ": LoRA starts at the base model");
                        collector.backward(logits.logSoftmax(-1).get(":, :, 3").mean().neg());
                    }
                    lora.trainable().forEach((name, p) -> {
                        if (name.endsWith(".lora_B")) {
                            assertTrue(p.getGradient().abs().sum().getFloat() > 0, spec.name() + ": no gradient for " + name);
                        }
                    });
                }
                try (TrainableWeights full = TrainableWeights.full(model)) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = full.forwardModel(scope).logits(tokens);
                        assertArrayEquals(before, logits.toFloatArray(), 1e-4f);
                        collector.backward(logits.logSoftmax(-1).get(":, :, 3").mean().neg());
                    }
                    model.parameters().forEach((name, p) ->
                            assertTrue(p.getGradient().abs().sum().getFloat() > 0, spec.name() + ": no gradient for " + name));
                }
                // a trained checkpoint stays servable as the same architecture
                Path saved = tmp.resolve("saved-" + spec.name());
                Checkpoints.save(model, saved, SafetensorsReader.DType.F32, 0);
                try (LlamaModel again = LlamaModel.load(saved, Device.cpu(), 64)) {
                    assertEquals(spec.name(), again.config().architecture().modelType());
                    assertArrayEquals(before, again.logits(scope.create(new long[] {1, 5, 9, 13, 1, 7, 7, 30}, new Shape(2, 4)))
                            .toFloatArray(), 1e-5f);
                }
            }
        }
    }

    @Test
    void unsupportedArchitecturesAndActiveSlidingWindowsAreRefusedByName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("moe"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen3_moe\", \"architectures\": [\"Qwen3MoeForCausalLM\"]}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir));
        assertTrue(e.getMessage().contains("'qwen3_moe'") && e.getMessage().contains("llama, mistral, qwen2, qwen3"), e.getMessage());

        Path baichuan = Files.createDirectories(tmp.resolve("baichuan"));
        Files.writeString(baichuan.resolve("config.json"), "{\"architectures\": [\"BaichuanForCausalLM\"], \"hidden_size\": 8}");
        e = assertThrows(ModelFormatException.class, () -> LlamaConfig.read(baichuan));
        assertTrue(e.getMessage().contains("BaichuanForCausalLM"), e.getMessage());

        Path sliding = Files.createDirectories(tmp.resolve("sliding"));
        writeCheckpoint(QWEN2, 1, sliding);
        Files.writeString(sliding.resolve("config.json"), QWEN2.configJson().replace("\"use_sliding_window\": false",
                "\"use_sliding_window\": true"), StandardCharsets.UTF_8);
        e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(sliding, Device.cpu(), 64));
        assertTrue(e.getMessage().contains("sliding-window") && e.getMessage().contains("window 32"), e.getMessage());
        // within the window the model is exactly the full-attention one
        try (LlamaModel model = LlamaModel.load(sliding, Device.cpu(), 32)) {
            assertEquals(32, model.contextLength());
        }
    }

    static int[] greedy(LlamaModel model, int[] prompt, int steps) {
        int[] out = new int[steps];
        try (NDManager memory = model.manager().newSubManager();
             KvCache cache = model.newCache(1, prompt.length + steps, memory)) {
            int[] next = prompt;
            for (int i = 0; i < steps; i++) {
                try (NDManager step = memory.newSubManager()) {
                    long[] ids = Arrays.stream(next).asLongStream().toArray();
                    float[] logits = model.decode(step.create(ids, new Shape(1, ids.length)), cache).toFloatArray();
                    out[i] = Sampler.argmax(logits);
                }
                next = new int[] {out[i]};
            }
        }
        return out;
    }

    /** Random weights (fixed seed), written as the spec's file type; returns the values the file holds. */
    static Map<String, float[]> writeCheckpoint(Spec spec, long seed, Path dir) throws IOException {
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        spec.shapes().forEach((name, shape) -> {
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                double g = random.nextGaussian();
                v[i] = (float) (name.endsWith("norm.weight") ? 1 + 0.2 * g
                        : name.endsWith(".bias") ? 0.5 * g
                        // a tied embedding small beside the layers' output, or the input token dominates its own logit
                        : name.equals("model.embed_tokens.weight") ? (spec.tied() ? 0.1 * g : g)
                        : name.equals("lm_head.weight") ? g
                        : g / Math.sqrt(shape[1]));
                if (spec.fileType() == SafetensorsReader.DType.BF16) {
                    v[i] = toBf16(v[i]);
                }
            }
            values.put(name, v);
        });
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            values.forEach((name, v) -> arrays.put(name, manager.create(v, new Shape(spec.shapes().get(name)))));
            SafetensorsWriter.write(dir, arrays, spec.fileType(), 0);
        }
        Files.writeString(dir.resolve("config.json"), spec.configJson(), StandardCharsets.UTF_8);
        return values;
    }

    /** The bfloat16 nearest to v (round half to even), as a float. */
    static float toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    private Path checkpointRoot() {
        String keep = System.getProperty("qwen.reference.dir");
        return keep != null ? Path.of(keep) : tmp;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
