package com.lawyerllama.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * npm packages the tests drive as real clients of the service's protocols, installed by the test
 * run itself with npm (from the npm registry, or npm's cache) into {@code target/node/<name>-<version>}
 * once, and a way to run a Node script beside them.
 */
public final class NodePackages {
    private NodePackages() {
    }

    /** Installs {@code name@version} (exactly that version) unless it is there already; returns the directory. */
    public static synchronized Path install(String name, String version) {
        Path dir = Path.of("target", "node", name + "-" + version).toAbsolutePath();
        if (Files.isRegularFile(dir.resolve("node_modules").resolve(name).resolve("package.json"))) {
            return dir;
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"lawyer-llama-test-client\",\"private\":true}");
            Result result = run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--save-exact", name + "@" + version);
            if (result.exitCode() != 0) {
                throw new IllegalStateException("npm install " + name + "@" + version + " failed: " + result.output());
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException("npm install " + name + "@" + version + " failed", e);
        }
    }

    /** What a finished process printed (stdout) and, separately, its stderr. */
    public record Result(int exitCode, String output, String errors) {
    }

    /** Runs {@code script} (copied into {@code dir}, so that it resolves the packages installed there) with Node. */
    public static Result node(Path dir, Path script, int timeoutSeconds, String... args) throws IOException {
        Path copy = dir.resolve(script.getFileName());
        Files.copy(script, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("node", copy.toString()));
        command.addAll(List.of(args));
        return run(dir, timeoutSeconds, command.toArray(String[]::new));
    }

    private static Result run(Path dir, int timeoutSeconds, String... command) throws IOException {
        Path out = Files.createTempFile("node-out", ".txt");
        Path err = Files.createTempFile("node-err", ".txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " took longer than " + timeoutSeconds + " s: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return result;
    }
}
