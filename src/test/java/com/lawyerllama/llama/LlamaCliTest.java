package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.cli.Launcher;
import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convert and generate from the command line; generate prints only the generated text; convert --from hf re-saves. */
class LlamaCliTest {
    @TempDir
    Path tmp;

    @Test
    void convertThenGenerateGreedilyPrintsOnlyTheText() throws Exception {
        Path model = tmp.resolve("s260k");
        assertEquals(0, Launcher.run("convert", "--from", "llama2c",
                "--checkpoint", SharedData.path("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", SharedData.path("models/stories260K/tok512.bin").toString(), "--out", model.toString()));
        Cli.Result generated = Cli.run("generate", "--model", model.toString(), "--temperature", "0", "--max-tokens", "20");
        assertEquals(0, generated.code());
        String expected = Files.readString(SharedData.path("models/stories260K/expected_greedy_t0_n256.txt"));
        String printed = generated.stdout().strip();
        assertTrue(printed.length() > 40 && expected.startsWith(printed), printed);
    }

    @Test
    void convertFromHfResavesAtF16KeepingTheOtherFilesAndTheLogits() throws Exception {
        Path source = tmp.resolve("f32");
        assertEquals(0, Launcher.run("convert", "--random", "dim=64,layers=2,heads=4,kv=2,hidden=172,vocab=512,seq=64",
                "--tokenizer", SharedData.path("models/stories260K/tok512.bin").toString(), "--out", source.toString()));
        Files.writeString(source.resolve("plan.json"), "{\"name\": \"p\"}");
        Files.writeString(source.resolve("metrics.jsonl"), "{\"type\": \"step\", \"loss\": 1.5}\n");
        Path target = tmp.resolve("f16");

        assertEquals(0, Launcher.run("convert", "--from", "hf", "--checkpoint", source.toString(), "--dtype", "F16",
                "--out", target.toString()));

        for (String copied : List.of("tokenizer.model", "tokenizer_config.json", "plan.json", "metrics.jsonl")) {
            assertArrayEquals(Files.readAllBytes(source.resolve(copied)), Files.readAllBytes(target.resolve(copied)), copied);
        }
        assertTrue(Files.readString(target.resolve("config.json")).contains("\"torch_dtype\" : \"float16\""));
        long f32 = Files.size(source.resolve("model.safetensors"));
        long f16 = Files.size(target.resolve("model.safetensors"));
        assertTrue(f16 < f32 * 0.51, f16 + " bytes at F16, " + f32 + " at F32");
        try (LlamaModel a = LlamaModel.load(source, Device.cpu(), 64);
             LlamaModel b = LlamaModel.load(target, Device.cpu(), 64);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray tokens = m.create(new long[] {1, 17, 42, 300, 5, 99, 511, 2}, new Shape(1, 8));
            NDArray la = a.logits(tokens);
            NDArray lb = b.logits(tokens);
            float maxDiff = la.sub(lb).abs().max().getFloat();
            float scale = la.abs().max().getFloat();
            assertTrue(maxDiff <= 0.01f * scale, "max |logits difference| " + maxDiff + " for logits up to " + scale);
        }
    }

    @Test
    void convertFromHfNeedsACheckpointDirectory() {
        assertEquals(2, Launcher.run("convert", "--from", "hf", "--checkpoint", tmp.resolve("none").toString(),
                "--out", tmp.resolve("out").toString()));
    }

    @Test
    void generateWithoutAModelDirectoryIsAUsageError() {
        assertEquals(2, Launcher.run("generate", "--model", tmp.resolve("none").toString(), "--prompt", "x"));
    }
}
