package com.lawyerllama.testsupport;

import com.lawyerllama.cli.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a subcommand in this JVM and captures what it prints. */
public final class Cli {
    private Cli() {
    }

    /** Exit code, standard output and standard error of one run. */
    public record Result(int code, String stdout, String stderr) {
    }

    public static synchronized Result run(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
            code = Launcher.run(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Result(code, printed.toString(StandardCharsets.UTF_8), progress.toString(StandardCharsets.UTF_8));
    }
}
