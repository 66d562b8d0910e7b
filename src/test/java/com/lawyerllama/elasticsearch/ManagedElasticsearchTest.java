package com.lawyerllama.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.system.ServiceUnavailableException;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticsearch.client.RestClient;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The launcher that runs the service's own node: it starts the real distribution, knows the
 * node's own pid, and leaves no process behind when stopped (a killed node's restart:
 * {@link ElasticsearchRecoveryTest}). Also: a service pointed at a
 * cluster that is down reports it, refuses work with 503, and recovers when the cluster comes up.
 */
class ManagedElasticsearchTest {

    @Test
    void startsRestartsADeadNodeAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        int port = TestElasticsearch.freePort();
        ManagedElasticsearch node = TestElasticsearch.newNode(dir.resolve("es"), port);
        ManagedElasticsearchLifecycle lifecycle = new ManagedElasticsearchLifecycle(node);
        RestClient client = RestClient.builder(new HttpHost("127.0.0.1", port, "http")).build();
        ElasticsearchProperties external = new ElasticsearchProperties(List.of("http://127.0.0.1:" + port),
                null, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5), null);
        StaticListableBeanFactory noManaged = new StaticListableBeanFactory(Map.of());
        ElasticsearchStatus status = new ElasticsearchStatus(client, external,
                noManaged.getBeanProvider(ManagedElasticsearchLifecycle.class));
        try {
            // Before the node exists: DOWN with a reason, and work is refused with a 503.
            assertThat(status.refresh().up()).isFalse();
            assertThat(status.current().reason()).contains("cannot reach Elasticsearch");
            assertThatThrownBy(status::requireAvailable).isInstanceOf(ServiceUnavailableException.class)
                    .satisfies(e -> assertThat(((ServiceUnavailableException) e).getHeaders().getFirst("Retry-After"))
                            .isEqualTo("10"));

            lifecycle.start();
            assertThat(node.state()).isEqualTo(ManagedElasticsearch.State.RUNNING);
            assertThat(Files.isRegularFile(node.stateDir().resolve("elasticsearch-" + ManagedElasticsearch.VERSION + "/bin/elasticsearch"))).isTrue();
            // The status recovers on its own once the cluster answers.
            assertThat(status.refresh().up()).isTrue();

            // A second launcher on the same directory (a CLI command while the service runs) shares the
            // live node instead of taking it for a stale one, and leaves it running when it closes.
            ManagedElasticsearch sharing = TestElasticsearch.newNode(dir.resolve("es"), port);
            sharing.start();
            assertThat(sharing.sharedWithAnotherProcess()).isTrue();
            sharing.close();
            assertThat(status.refresh().up()).isTrue();

            // The pid is the node's own (the server JVM), not the runuser or launcher process that started it.
            assertThat(ProcessHandle.of(node.pid().orElseThrow()).orElseThrow().info().commandLine().orElse(""))
                    .contains("org.elasticsearch.bootstrap.Elasticsearch");
            // A killed node and its restart, through the service: ElasticsearchRecoveryTest.

            List<ProcessHandle> second = processTree(node);
            lifecycle.stop();
            assertThat(second).isNotEmpty().noneMatch(ProcessHandle::isAlive);
            assertThat(node.state()).isEqualTo(ManagedElasticsearch.State.STOPPED);
            assertThat(status.refresh().up()).isFalse();
        } finally {
            lifecycle.stop();
            client.close();
            if (node.stateDir() != null && !node.stateDir().startsWith(dir)) {
                org.springframework.util.FileSystemUtils.deleteRecursively(node.stateDir());
            }
        }
    }

    @Test
    void aMissingDistributionFailsWithAnInstruction(@TempDir Path dir) {
        ManagedElasticsearch node = new ManagedElasticsearch(new ManagedElasticsearch.Settings(
                dir.resolve("missing.zip"), dir.resolve("es"), TestElasticsearch.freePort(), "256m",
                Duration.ofSeconds(10), "lawyer-es", null));
        assertThatThrownBy(node::start).hasMessageContaining("distribution not found").hasMessageContaining("mvnw");
        assertThat(node.state()).isEqualTo(ManagedElasticsearch.State.FAILED);
    }

    @Test
    void aJavaHomeWithoutJavaFailsWithTheReason(@TempDir Path dir) {
        ManagedElasticsearch node = new ManagedElasticsearch(new ManagedElasticsearch.Settings(
                dir.resolve("missing.zip"), dir.resolve("es"), TestElasticsearch.freePort(), "256m",
                Duration.ofSeconds(10), "lawyer-es", dir.resolve("not-a-jdk")));
        assertThatThrownBy(node::start).hasMessageContaining("no Java for Elasticsearch at " + dir.resolve("not-a-jdk/bin/java"))
                .hasMessageContaining("lawyer.elasticsearch.managed.java-home");
        assertThat(node.state()).isEqualTo(ManagedElasticsearch.State.FAILED);
    }

    private static List<ProcessHandle> processTree(ManagedElasticsearch node) {
        List<ProcessHandle> tree = new ArrayList<>();
        ProcessHandle root = ProcessHandle.of(node.pid().orElseThrow()).orElseThrow();
        tree.add(root);
        root.descendants().forEach(tree::add);
        // and the launcher processes above it (the distribution's CLI, runuser when root)
        for (var parent = root.parent(); parent.isPresent() && parent.get().pid() != ProcessHandle.current().pid() && parent.get().pid() > 1;
                parent = parent.get().parent()) {
            tree.add(parent.get());
        }
        return tree;
    }
}
