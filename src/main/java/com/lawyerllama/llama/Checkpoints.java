package com.lawyerllama.llama;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Model directories written all at once: into a temporary sibling, fsynced, then renamed into place. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** Something that fills a directory. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void write(Path dir) throws IOException;
    }

    /** Saves a model (config.json + safetensors) to {@code dir} atomically; other files already in {@code dir} are replaced. */
    public static void save(LlamaModel model, Path dir, SafetensorsReader.DType fileType, long maxShardBytes) throws IOException {
        writeAtomically(dir, tmp -> model.saveTo(tmp, fileType, maxShardBytes));
    }

    /** Runs {@code writer} on a fresh temporary directory next to {@code dir}, then swaps it in as {@code dir}. */
    public static void writeAtomically(Path dir, DirectoryWriter writer) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + suffix);
        Files.createDirectory(tmp);
        try {
            writer.write(tmp);
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : files.toList()) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
            AtomicFiles.syncDirectory(tmp);
            Path old = null;
            if (Files.exists(target)) {
                old = parent.resolve("." + target.getFileName() + ".old-" + suffix);
                Files.move(target, old);
            }
            AtomicFiles.move(tmp, target);
            AtomicFiles.syncDirectory(parent);
            if (old != null) {
                deleteRecursively(old);
            }
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
