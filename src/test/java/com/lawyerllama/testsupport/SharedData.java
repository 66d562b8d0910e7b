package com.lawyerllama.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/**
 * The shared data directory: {@code $LAWYER_SHARED_DATA}, else {@code ../shared/data} beside the
 * project. Tests fail with a clear message when it is missing (in CI it is always there).
 */
public final class SharedData {
    private SharedData() {
    }

    public static Path dir() {
        String env = System.getenv("LAWYER_SHARED_DATA");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of("..", "shared", "data");
        if (!Files.isDirectory(dir)) {
            Assertions.fail("shared data directory not found at " + dir.toAbsolutePath()
                    + " (set LAWYER_SHARED_DATA to where ../shared/data is)");
        }
        return dir;
    }

    public static Path path(String relative) {
        Path path = dir().resolve(relative);
        if (!Files.exists(path)) {
            Assertions.fail("shared data missing: " + path.toAbsolutePath());
        }
        return path;
    }
}
