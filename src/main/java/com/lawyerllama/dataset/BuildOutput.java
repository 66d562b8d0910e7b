package com.lawyerllama.dataset;

import com.lawyerllama.llama.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A build's files, written in chunks that either land whole or not at all.
 *
 * <ul>
 *   <li>{@code <output>}: the records, always a complete JSON array between chunks
 *       ({@code [}, one record per line, {@code ]}); a chunk is written over the closing bracket
 *       with a new one after it, then fsynced</li>
 *   <li>{@code <output>.rejects.jsonl}: one line per question set aside, with its reason</li>
 *   <li>{@code <output>.progress.json}: written atomically after both, so it names a state that is
 *       on disk: the byte lengths of both files, the next question, the report, and the recipe</li>
 *   <li>{@code <output>.lock}: held while a build writes, so no second build writes the same output</li>
 * </ul>
 * A build that was killed mid-chunk leaves bytes past the lengths the progress file names; the next
 * build on the output cuts them off and goes on from the next question, so nothing is written twice.
 */
final class BuildOutput implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] CLOSE = "\n]\n".getBytes(StandardCharsets.UTF_8);

    /** Another build holds the output, or the output cannot be continued with these settings. */
    static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message);
        }
    }

    /** What the progress file holds. */
    record Progress(Map<String, Object> recipe, int nextQuestion, long outputBytes, long rejectsBytes, BuildReport report) {
    }

    final Path output;
    final Path rejects;
    final Path progressFile;
    final Path summaryFile;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Progress progress;

    private BuildOutput(Path output, FileChannel lockChannel, FileLock lock) {
        this.output = output;
        this.rejects = sibling(output, ".rejects.jsonl");
        this.progressFile = sibling(output, ".progress.json");
        this.summaryFile = sibling(output, ".summary.json");
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static Path sibling(Path output, String suffix) {
        return output.resolveSibling(output.getFileName() + suffix);
    }

    /**
     * Takes the output for a build with {@code recipe}: a new output is started; one a build wrote
     * before is continued (after cutting off a chunk that was being written when it stopped).
     *
     * @throws Conflict another build holds it, its recipe differs, or the file was not written by a build
     */
    static BuildOutput open(Path output, Map<String, Object> recipe, BuildReport empty) {
        try {
            Path dir = output.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(sibling(output, ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new Conflict("another build is writing " + output);
            }
            BuildOutput out = new BuildOutput(output, channel, lock);
            try {
                out.start(recipe, empty);
            } catch (RuntimeException | IOException e) {
                out.close();
                throw e;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + output + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks, without writing, that a build with {@code recipe} could take the output now.
     *
     * @throws Conflict as {@link #open} would
     */
    static void probe(Path output, Map<String, Object> recipe) {
        try {
            Path dir = output.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (FileChannel channel = FileChannel.open(sibling(output, ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    throw new Conflict("another build is writing " + output);
                }
                lock.release();
            }
            Path progressFile = sibling(output, ".progress.json");
            if (Files.isRegularFile(progressFile)) {
                checkRecipe(output, JSON.readValue(progressFile.toFile(), Progress.class).recipe(), recipe);
            } else if (Files.exists(output) && Files.size(output) > 0) {
                throw new Conflict(output + " exists and has no progress file, so no build wrote it; choose another output");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + output + ": " + e.getMessage(), e);
        }
    }

    private static void checkRecipe(Path output, Map<String, Object> stored, Map<String, Object> recipe) {
        // Compared as JSON text read back, so that 1234 stored and 1234L given are the same value.
        JsonNode storedRecipe = JSON.readTree(JSON.writeValueAsString(stored));
        JsonNode wanted = JSON.readTree(JSON.writeValueAsString(recipe));
        if (!storedRecipe.equals(wanted)) {
            throw new Conflict(output + " was built with other settings; continue it with the same ones or choose "
                    + "another output. Stored: " + storedRecipe + "; now: " + wanted);
        }
    }

    private void start(Map<String, Object> recipe, BuildReport empty) throws IOException {
        if (Files.isRegularFile(progressFile)) {
            Progress stored = JSON.readValue(progressFile.toFile(), Progress.class);
            checkRecipe(output, stored.recipe(), recipe);
            if (!Files.isRegularFile(output) || Files.size(output) < stored.outputBytes()
                    || (Files.isRegularFile(rejects) ? Files.size(rejects) : 0) < stored.rejectsBytes()) {
                throw new Conflict(output + " or its rejects file is shorter than its progress file says: it was changed "
                        + "after the build; move it away to start again");
            }
            // Cut off a chunk that was being written when the last build stopped.
            try (FileChannel ch = FileChannel.open(output, StandardOpenOption.WRITE)) {
                ch.truncate(stored.outputBytes());
                ch.position(stored.outputBytes());
                write(ch, ByteBuffer.wrap(CLOSE));
                ch.force(true);
            }
            try (FileChannel ch = FileChannel.open(rejects, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.truncate(stored.rejectsBytes());
                ch.force(true);
            }
            progress = stored;
            return;
        }
        if (Files.exists(output) && Files.size(output) > 0) {
            throw new Conflict(output + " exists and has no progress file, so no build wrote it; choose another output");
        }
        AtomicFiles.writeString(output, "[" + new String(CLOSE, StandardCharsets.UTF_8));
        AtomicFiles.writeString(rejects, "");
        progress = new Progress(recipe, 0, 1, 0, empty);
        AtomicFiles.writeString(progressFile, JSON.writeValueAsString(progress));
    }

    Progress progress() {
        return progress;
    }

    /**
     * Writes one chunk: its records and rejects, then the progress that names them.
     *
     * @param records one JSON object each
     * @param rejected one JSON object each
     */
    void commit(List<JsonNode> records, List<JsonNode> rejected, int nextQuestion, BuildReport report) {
        try {
            long outputBytes = progress.outputBytes();
            if (!records.isEmpty()) {
                StringBuilder chunk = new StringBuilder();
                boolean first = progress.report().written() == 0;
                for (JsonNode record : records) {
                    chunk.append(first ? "\n" : ",\n").append(JSON.writeValueAsString(record));
                    first = false;
                }
                byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(output, StandardOpenOption.WRITE)) {
                    ch.position(outputBytes);
                    write(ch, ByteBuffer.wrap(bytes));
                    write(ch, ByteBuffer.wrap(CLOSE));
                    ch.truncate(outputBytes + bytes.length + CLOSE.length);
                    ch.force(true);
                }
                outputBytes += bytes.length;
            }
            long rejectsBytes = progress.rejectsBytes();
            if (!rejected.isEmpty()) {
                StringBuilder lines = new StringBuilder();
                for (JsonNode r : rejected) {
                    lines.append(JSON.writeValueAsString(r)).append('\n');
                }
                byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(rejects, StandardOpenOption.WRITE)) {
                    ch.position(rejectsBytes);
                    write(ch, ByteBuffer.wrap(bytes));
                    ch.truncate(rejectsBytes + bytes.length);
                    ch.force(true);
                }
                rejectsBytes += bytes.length;
            }
            Progress next = new Progress(progress.recipe(), nextQuestion, outputBytes, rejectsBytes, report);
            AtomicFiles.writeString(progressFile, JSON.writeValueAsString(next));
            progress = next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    void writeSummary(Object summary) {
        try {
            AtomicFiles.writeString(summaryFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + summaryFile + ": " + e.getMessage(), e);
        }
    }

    private static void write(FileChannel ch, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel
        }
    }
}
