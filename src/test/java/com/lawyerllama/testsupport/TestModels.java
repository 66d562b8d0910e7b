package com.lawyerllama.testsupport;

import ai.djl.Device;
import com.lawyerllama.llama.Checkpoints;
import com.lawyerllama.llama.Llama2cImporter;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.SafetensorsReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Real checkpoints for tests: a small LLaMA with random weights and the real Chinese-LLaMA-2
 * tokenizer, written in the Hugging Face layout by the engine itself and served by the real
 * DJL engine. Its answers are not legal advice (the weights are random), but every step of the
 * consultation path runs for real. Made once per build under {@code target/test-models}.
 */
public final class TestModels {
    private TestModels() {
    }

    private static Path stories260K;

    /**
     * karpathy's stories260K converted from llama2.c's format by the engine's importer: once per
     * test run, into a temporary directory (so it always reflects the importer being tested).
     */
    public static synchronized Path stories260K() {
        if (stories260K == null) {
            try {
                Path dir = Files.createTempDirectory("stories260K");
                Llama2cImporter.convert(SharedData.path("models/stories260K/stories260K.bin"),
                        SharedData.path("models/stories260K/tok512.bin"), dir.resolve("model"));
                stories260K = dir.resolve("model");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return stories260K;
    }

    public static synchronized Path tinyChinese() {
        Path dir = Path.of("target", "test-models", "tiny-zh").toAbsolutePath();
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Path tokenizer = SharedData.path("tokenizers/chinese-llama-2");
        LlamaConfig config = new LlamaConfig(64, 172, 2, 4, 2, 16, 1e-5, 10000.0, null, 4096, 55296, false, 1,
                List.of(2), "float32");
        try (LlamaModel model = LlamaModel.random(config, 7, Device.cpu(), 4096)) {
            Checkpoints.writeAtomically(dir, tmp -> {
                model.saveTo(tmp, SafetensorsReader.DType.F32, Long.MAX_VALUE);
                for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                    Files.copy(tokenizer.resolve(file), tmp.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * A small Qwen3 (q/k norm, head_dim 32 with hidden 64, GQA 4/2, untied) with random weights and
     * the real Qwen tokenizer files, chat template included ({@code tokenizers/qwen3}). With
     * {@code endsTurnAtOnce} its weights are set so that {@code <|im_end|>} is always the likeliest
     * next token (a constant on the embedding's first axis that only that token's classifier row
     * reads): the model answers with an empty turn, which shows where generation stops.
     */
    public static synchronized Path tinyQwen3(boolean endsTurnAtOnce) {
        Path dir = Path.of("target", "test-models", endsTurnAtOnce ? "tiny-qwen3-eot" : "tiny-qwen3").toAbsolutePath();
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Path tokenizer = SharedData.path("tokenizers/qwen3");
        LlamaConfig config = new LlamaConfig(64, 128, 2, 4, 2, 32, 1e-6, 1000000.0, null, 4096, 151669, false, 151643,
                List.of(151645), "float32").withArchitecture(com.lawyerllama.llama.Architecture.QWEN3);
        try (LlamaModel model = LlamaModel.random(config, 19, Device.cpu(), 4096)) {
            if (endsTurnAtOnce) {
                model.parameters().get("model.embed_tokens.weight").set(new ai.djl.ndarray.index.NDIndex(":, 0"), 5f);
                model.parameters().get("lm_head.weight").set(new ai.djl.ndarray.index.NDIndex("151645, 0"), 10f);
            }
            Checkpoints.writeAtomically(dir, tmp -> {
                model.saveTo(tmp, SafetensorsReader.DType.F32, Long.MAX_VALUE);
                for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                    Files.copy(tokenizer.resolve(file), tmp.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
