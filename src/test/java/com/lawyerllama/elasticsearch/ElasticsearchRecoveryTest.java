package com.lawyerllama.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import tools.jackson.databind.JsonNode;

/**
 * The service with its own managed node, as users run it: SIGKILL of the node's real process
 * (the pid health shows) turns requests into 503 with Retry-After at once, and the watchdog
 * brings a new node up without help; the time from the kill to serving again is printed (the
 * target is 10 s; the node's own start-up dominates it). Killing only the launcher wrapper above
 * the node changes nothing: the node keeps serving.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "lawyer.security.admin.password=recovery-admin",
        "lawyer.model.path=",
        "lawyer.retrieval.dense.model-path=",
        "lawyer.elasticsearch.managed.heap=512m"})
@ContextConfiguration(initializers = ElasticsearchRecoveryTest.ManagedNode.class)
@DirtiesContext
class ElasticsearchRecoveryTest {

    /** A managed node of its own (the shared test node must not be killed), unpacked once under target/. */
    static class ManagedNode implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            TestPropertyValues.of(
                    "lawyer.elasticsearch.uris=",
                    "lawyer.elasticsearch.managed.port=" + TestElasticsearch.freePort(),
                    "lawyer.data-dir=" + Path.of("target", "recovery-test-data").toAbsolutePath()).applyTo(context);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ManagedElasticsearchLifecycle lifecycle;

    @Autowired
    ArticleIndex index;

    private Http http() {
        return new Http(port);
    }

    private HttpResponse<String> search() {
        return http().send(http().request("/articles/search?q=%E5%90%88%E5%90%8C").timeout(Duration.ofSeconds(10)).GET());
    }

    private JsonNode elasticsearchHealth() {
        return Http.json(http().send(http().request("/actuator/health/elasticsearch")
                .header("Authorization", Http.basic("admin", "recovery-admin")).GET())).path("details");
    }

    @Test
    void aKilledNodeAnswers503WithRetryAfterThenServesAgainOnItsOwn() throws Exception {
        index.ensureIndex();
        assertThat(search().statusCode()).isEqualTo(200);
        long pid = elasticsearchHealth().path("pid").asLong();
        ProcessHandle node = ProcessHandle.of(pid).orElseThrow();
        assertThat(node.info().commandLine().orElse("")).as("health shows the node's own pid, not its launcher's")
                .contains("org.elasticsearch.bootstrap.Elasticsearch");

        // Killing the wrapper at the top (runuser as root, else the distribution's launcher) leaves the node serving.
        ProcessHandle wrapper = node;
        while (wrapper.parent().isPresent() && wrapper.parent().get().pid() != ProcessHandle.current().pid()
                && wrapper.parent().get().pid() > 1) {
            wrapper = wrapper.parent().get();
        }
        if (wrapper.pid() != pid) {
            new ProcessBuilder("kill", "-KILL", Long.toString(wrapper.pid())).start().waitFor();
            Thread.sleep(3000);
            assertThat(search().statusCode()).isEqualTo(200);
            assertThat(elasticsearchHealth().path("pid").asLong()).isEqualTo(pid);
        }

        long killed = System.nanoTime();
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor()).isZero();
        List<String> seen = new ArrayList<>();
        long first503 = -1;
        long servingAgain = -1;
        long deadline = killed + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = search();
            long at = System.nanoTime() - killed;
            if (seen.isEmpty() || !seen.get(seen.size() - 1).startsWith(response.statusCode() + " ")) {
                seen.add(response.statusCode() + " at " + at / 1_000_000 + " ms");
            }
            if (response.statusCode() == 503) {
                assertThat(response.headers().firstValue("Retry-After")).as(response.body()).isPresent();
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        ct -> assertThat(ct).startsWith("application/problem+json"));
                if (first503 < 0) {
                    first503 = at;
                }
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                if (first503 >= 0) {
                    servingAgain = at;
                    break;
                }
            }
            Thread.sleep(100);
        }
        System.out.printf("elasticsearch recovery: node pid %d SIGKILLed; 503 with Retry-After from %d ms; serving again "
                        + "after %.1f s (target 10 s; the watchdog's restart took %s ms); statuses %s%n", pid,
                first503 / 1_000_000, servingAgain / 1e9,
                lifecycle.lastRecovery().map(d -> Long.toString(d.toMillis())).orElse("?"), seen);
        assertThat(first503).as("requests get 503 soon after the node died").isBetween(0L, Duration.ofSeconds(5).toNanos());
        assertThat(servingAgain).as("serving again, without help").isPositive();
        long newPid = elasticsearchHealth().path("pid").asLong();
        assertThat(newPid).isNotEqualTo(pid);
        assertThat(ProcessHandle.of(newPid).orElseThrow().info().commandLine().orElse(""))
                .contains("org.elasticsearch.bootstrap.Elasticsearch");
        assertThat(elasticsearchHealth().path("lastRecoveryMs").asLong()).isPositive();
    }
}
