package com.lawyerllama.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenizeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Launcher.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(Launcher.withDefaultSubcommand(cli, args));
    }

    @Test
    void printsTheIdsOfADirectoryHoldingOnlyATokenizerModel() {
        String dir = SharedData.path("tokenizers/chinese-llama-2").toString();
        assertThat(run("tokenize", "--model", dir, "--text", "Hello world")).isZero();
        assertThat(out.toString().strip()).isEqualTo("15043 3186");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void putsBosFirstWhenAskedAndAcceptsATokenizerFile() {
        String file = SharedData.path("tokenizers/llama2/tokenizer.model").toString();
        assertThat(run("tokenize", "--model", file, "--text", "Hello world", "--bos")).isZero();
        assertThat(out.toString()).isEqualTo("1 15043 3186" + System.lineSeparator());
    }

    @Test
    void helpDescribesTheOptions() {
        assertThat(run("tokenize", "--help")).isZero();
        assertThat(out.toString()).contains("--model", "--text", "--bos");
    }

    @Test
    void aMissingDirectoryIsAUsageErrorWithoutStackTrace(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-model");
        assertThat(run("tokenize", "--model", missing.toString(), "--text", "x")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("no-such-model").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aDirectoryWithoutTokenizerSaysWhatWasLookedFor(@TempDir Path tmp) {
        assertThat(run("tokenize", "--model", tmp.toString(), "--text", "x")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains(tmp.toString(), "tokenizer.json", "tokenizer.model").doesNotContain("\tat ");
    }
}
