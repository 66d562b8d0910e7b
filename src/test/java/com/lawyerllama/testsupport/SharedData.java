package com.lawyerllama.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared data directory: {@code $LAWYER_SHARED_DATA}, else {@code ../shared/data}. Missing data fails the test. */
public final class SharedData {
    private SharedData() {
    }

    public static Path dir() {
        String env = System.getenv("LAWYER_SHARED_DATA");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of("..", "shared", "data");
        if (!Files.isDirectory(dir)) {
            fail("shared data directory not found: " + dir.toAbsolutePath()
                    + " (set LAWYER_SHARED_DATA or place it at ../shared/data)");
        }
        return dir;
    }

    public static Path path(String relative) {
        Path path = dir().resolve(relative);
        if (!Files.exists(path)) {
            fail("shared data file not found: " + path.toAbsolutePath());
        }
        return path;
    }
}
