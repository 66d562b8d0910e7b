package com.lawyerllama.llama;

import ai.djl.Device;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
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

    /**
     * Re-saves the Hugging Face model directory {@code source} as {@code target} with its weights
     * stored as {@code fileType} (e.g. a training checkpoint's F32 as F16). {@code config.json} is
     * rewritten with the new {@code torch_dtype}; every other plain file that is not a weight file
     * (tokenizer files, {@code plan.json}, {@code metrics.jsonl}, …) is copied as it is;
     * subdirectories are not copied. The whole model is held in memory as fp32 while it is written.
     */
    public static void resave(Path source, Path target, SafetensorsReader.DType fileType, long maxShardBytes) throws IOException {
        if (source.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the source and the output are the same directory: " + source);
        }
        List<Path> otherFiles;
        try (Stream<Path> files = Files.list(source)) {
            otherFiles = files.filter(Files::isRegularFile).filter(f -> !isWeightsOrConfig(f.getFileName().toString()))
                    .sorted().toList();
        }
        // One position is enough: the model is only loaded to be written, and RoPE tables grow with the context.
        try (LlamaModel model = LlamaModel.load(source, Device.cpu(), 1)) {
            writeAtomically(target, tmp -> {
                model.saveTo(tmp, fileType, maxShardBytes);
                for (Path f : otherFiles) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            });
        }
    }

    /** config.json and the weights ({@code *.safetensors}, the shard index), which {@link LlamaModel#saveTo} writes. */
    private static boolean isWeightsOrConfig(String name) {
        return name.equals(LlamaConfig.FILE_NAME) || name.endsWith(".safetensors") || name.equals(SafetensorsReader.INDEX_FILE);
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
