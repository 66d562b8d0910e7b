package com.lawyerllama.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.lawyerllama.cli.UsageException;
import com.lawyerllama.llama.Architecture;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/** What the model subcommands share: logs to stderr (stdout carries only results), thread settings, shape specs. */
public final class LlamaCli {
    private LlamaCli() {
    }

    /** Sends all logging to stderr at WARN (INFO for our own packages when verbose). */
    public static void logToStderr(boolean verbose) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("com.lawyerllama").setLevel(verbose ? Level.INFO : Level.WARN);
        // DJL warns about CUDA on machines without a GPU driver; that is expected here.
        context.getLogger("ai.djl.util.cuda").setLevel(Level.ERROR);
    }

    /** Offline DJL, and the PyTorch intra-op thread count when {@code threads > 0} (before the engine starts). */
    public static void threads(int threads) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    static Path existingDirectory(Path dir, String option) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UsageException(option + ": not a directory: " + dir);
        }
        return dir;
    }

    /** A model: a Hugging Face model directory or a {@code .gguf} file. */
    static Path existingModel(Path model, String option) {
        if (model != null && GgufFile.isGguf(model) && Files.isRegularFile(model)) {
            return model;
        }
        if (model == null || !Files.isDirectory(model)) {
            throw new UsageException(option + ": not a model directory or .gguf file: " + model);
        }
        return model;
    }

    static Path existingFile(Path file, String option) {
        if (file == null || !Files.isRegularFile(file)) {
            throw new UsageException(option + ": no such file: " + file);
        }
        return file;
    }

    /**
     * A model shape as {@code dim=288,layers=6,heads=6,kv=6,hidden=768,vocab=32000[,seq=2048][,tied=0]}
     * (llama2.c's names; tied=1, a classifier shared with the embedding, is the default); also
     * accepts the names {@code 15M} (llama2.c's stories15M) and {@code 1.1B} (TinyLlama's shape).
     */
    static LlamaConfig shape(String spec) {
        switch (spec.trim()) {
            // Qwen2.5's shapes (config.json of Qwen2.5-0.5B/1.5B-Instruct): q/k/v bias, tied embeddings, rope_theta 1e6
            case "qwen2.5-0.5B" -> {
                return new LlamaConfig(896, 4864, 24, 14, 2, 64, 1e-6, 1000000.0, null, 32768, 151936, true, 151643,
                        List.of(151645, 151643), "float32", Architecture.QWEN2, null);
            }
            case "qwen2.5-1.5B" -> {
                return new LlamaConfig(1536, 8960, 28, 12, 2, 128, 1e-6, 1000000.0, null, 32768, 151936, true, 151643,
                        List.of(151645, 151643), "float32", Architecture.QWEN2, null);
            }
            default -> { }
        }
        String s = switch (spec.trim()) {
            case "15M" -> "dim=288,layers=6,heads=6,kv=6,hidden=768,vocab=32000,seq=1024";
            case "1.1B" -> "dim=2048,layers=22,heads=32,kv=4,hidden=5632,vocab=32000,seq=2048,tied=0";  // TinyLlama
            default -> spec;
        };
        Map<String, Integer> v = new TreeMap<>();
        for (String part : s.split(",")) {
            String[] kv = part.split("=");
            if (kv.length != 2) {
                throw new UsageException("model shape: expected key=value, got '" + part + "' in '" + spec + "'");
            }
            try {
                v.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new UsageException("model shape: '" + kv[1] + "' is not a number in '" + spec + "'");
            }
        }
        for (String required : List.of("dim", "layers", "heads", "hidden", "vocab")) {
            if (!v.containsKey(required)) {
                throw new UsageException("model shape: missing " + required + " in '" + spec
                        + "' (expected dim=,layers=,heads=,kv=,hidden=,vocab=[,seq=])");
            }
        }
        int dim = v.get("dim");
        int heads = v.get("heads");
        try {
            return new LlamaConfig(dim, v.get("hidden"), v.get("layers"), heads, v.getOrDefault("kv", heads), dim / heads,
                    1e-5, 10000.0, null, v.getOrDefault("seq", 2048), v.get("vocab"), v.getOrDefault("tied", 1) != 0, 1,
                    List.of(2), "float32");
        } catch (IllegalArgumentException e) {
            throw new UsageException("model shape '" + spec + "': " + e.getMessage());
        }
    }
}
