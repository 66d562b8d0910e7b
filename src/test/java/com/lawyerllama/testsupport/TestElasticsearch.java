package com.lawyerllama.testsupport;

import com.lawyerllama.elasticsearch.ManagedElasticsearch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The one real Elasticsearch node of a test run, started on first use by the same launcher
 * the service uses ({@link ManagedElasticsearch}), and stopped when the test JVM exits.
 * Its state lives in {@code target/test-elasticsearch}, so the distribution is unpacked once.
 */
public final class TestElasticsearch {
    private static ManagedElasticsearch node;

    private TestElasticsearch() {
    }

    public static synchronized String uri() {
        if (node == null) {
            node = newNode(Path.of("target", "test-elasticsearch"), freePort());
            node.start();
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "test-elasticsearch-shutdown"));
        }
        return node.uri().toString();
    }

    /** A further node for tests of the launcher itself (start, kill, restart, stop). */
    public static ManagedElasticsearch newNode(Path baseDir, int port) {
        Path zip = ManagedElasticsearch.locateDistribution(null).orElseThrow(() -> new IllegalStateException(
                "Elasticsearch distribution zip not found; run the tests through ./mvnw (it fetches it)"));
        return new ManagedElasticsearch(new ManagedElasticsearch.Settings(zip, baseDir.toAbsolutePath(), port,
                "512m", Duration.ofSeconds(180), "lawyer-es", null));
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
