package com.lawyerllama.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * llama.cpp as a reference for GGUF files: the npm package {@code node-llama-cpp} with its
 * prebuilt CPU binary for this platform, installed by the tests themselves from the npm
 * registry (once per build, into {@code target/node-llama-cpp}), driven by
 * {@code src/test/resources/node-llama-cpp/greedy.mjs}. Needs {@code node} and {@code npm} on
 * the PATH.
 */
public final class NodeLlamaCpp {
    public static final String VERSION = "3.22.1";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path installed;

    private NodeLlamaCpp() {
    }

    /** The directory holding node_modules and the script, installing them the first time. */
    public static synchronized Path install() {
        if (installed != null) {
            return installed;
        }
        Path dir = Path.of("target", "node-llama-cpp").toAbsolutePath();
        try {
            Files.createDirectories(dir);
            Path marker = dir.resolve("node_modules/node-llama-cpp/package.json");
            if (!Files.isRegularFile(marker) || !Files.readString(marker).contains("\"version\": \"" + VERSION + "\"")) {
                Files.writeString(dir.resolve("package.json"), "{\"name\": \"llama-cpp-reference\", \"private\": true}\n");
                String platform = "linux-" + (System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x64");
                // Only this platform's CPU binary (the optional GPU builds are hundreds of MB); no
                // install scripts: the prebuilt binary needs none.
                run(dir, 600, "npm", "install", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--no-save", "node-llama-cpp@" + VERSION, "@node-llama-cpp/" + platform + "@" + VERSION);
            }
            try (InputStream script = NodeLlamaCpp.class.getResourceAsStream("/node-llama-cpp/greedy.mjs")) {
                Files.copy(script, dir.resolve("greedy.mjs"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot install node-llama-cpp into " + dir + ": " + e.getMessage(), e);
        }
        installed = dir;
        return dir;
    }

    /** What llama.cpp produced. */
    public record Result(int[] prompt, int[] tokens, double decodeTokensPerSecond) {
    }

    /** The prompt as llama.cpp tokenizes it (BOS where the file asks for it) and the tokens it then picks greedily. */
    public static Result greedy(Path gguf, String prompt, int newTokens, int threads) {
        return runScript(gguf, prompt, newTokens, String.valueOf(threads));
    }

    /** The tokens llama.cpp picks greedily after {@code prompt} (ids, BOS included as the caller wants it). */
    public static Result greedy(Path gguf, int[] prompt, int newTokens, int threads) {
        return runScript(gguf, Arrays.toString(prompt), newTokens, String.valueOf(threads));
    }

    /** As {@link #greedy}, timing the decode steps. */
    public static Result bench(Path gguf, int[] prompt, int newTokens, int threads) {
        return runScript(gguf, Arrays.toString(prompt), newTokens, "bench:" + threads);
    }

    private static Result runScript(Path gguf, String prompt, int newTokens, String threads) {
        Path dir = install();
        String out = run(dir, 900, "node", "greedy.mjs", gguf.toAbsolutePath().toString(), prompt,
                String.valueOf(newTokens), threads);
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        JsonNode n = JSON.readTree(last);
        return new Result(ints(n.get("prompt")), ints(n.get("tokens")), n.path("decodeTokensPerSecond").asDouble(Double.NaN));
    }

    private static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asInt();
        }
        return v;
    }

    private static String run(Path dir, int timeoutSeconds, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + " (node and npm must be on the PATH): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
