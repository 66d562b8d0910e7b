package com.lawyerllama.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The service's state directory ({@code lawyer.data-dir}, default {@code ./data}): the managed
 * Elasticsearch node, the generated admin password, training runs and checkpoints live below it.
 */
@Component
public class DataDirectory {
    private final Path root;

    public DataDirectory(@Value("${lawyer.data-dir:data}") Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    public Path resolve(String relative) {
        return root.resolve(relative);
    }
}
