package com.lawyerllama.evaluation;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A benchmark as data: its name, where its items come from, and the fixed prompt format that
 * turns a record into an {@link EvalItem}. Every task is scored the same way, by
 * {@link LogLikelihoodScorer}.
 *
 * @param name   what {@code --task} accepts
 * @param group  {@code general} or {@code legal}
 * @param source the files it reads, relative to the data root
 * @param format the prompt format, as documented (context, then each option)
 */
public record EvalTask(String name, String group, String source, String format, Reader reader) {

    /** Reads the task's files under the data root. */
    @FunctionalInterface
    public interface Reader {
        TaskData read(Path dataRoot) throws IOException;
    }

    public TaskData read(Path dataRoot) {
        try {
            return reader.read(dataRoot);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new EvaluationException("task " + name + ": cannot read " + source + " under " + dataRoot + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof EvaluationException) {
                throw e;
            }
            throw new EvaluationException("task " + name + ": cannot read " + source + " under " + dataRoot + ": " + e.getMessage(), e);
        }
    }
}
