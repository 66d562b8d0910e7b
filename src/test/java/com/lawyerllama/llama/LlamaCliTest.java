package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lawyerllama.cli.Launcher;
import com.lawyerllama.testsupport.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convert and generate from the command line; generate prints only the generated text. */
class LlamaCliTest {
    @TempDir
    Path tmp;

    @Test
    void convertThenGenerateGreedilyPrintsOnlyTheText() throws Exception {
        Path model = tmp.resolve("s260k");
        assertEquals(0, Launcher.run("convert", "--from", "llama2c",
                "--checkpoint", SharedData.path("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", SharedData.path("models/stories260K/tok512.bin").toString(), "--out", model.toString()));
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Launcher.run("generate", "--model", model.toString(), "--temperature", "0", "--max-tokens", "20");
        } finally {
            System.setOut(original);
        }
        assertEquals(0, rc);
        String expected = Files.readString(SharedData.path("models/stories260K/expected_greedy_t0_n256.txt"));
        String printed = captured.toString(StandardCharsets.UTF_8).strip();
        assertTrue(printed.length() > 40 && expected.startsWith(printed), printed);
    }

    @Test
    void generateWithoutAModelDirectoryIsAUsageError() {
        assertEquals(2, Launcher.run("generate", "--model", tmp.resolve("none").toString(), "--prompt", "x"));
    }
}
