package com.lawyerllama.elasticsearch;

import com.lawyerllama.system.ServiceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether Elasticsearch can serve requests right now, refreshed in the background (requests
 * never wait on a probe, except one that comes before the first): every 5 s while it is up, every second while it is down, and at once
 * when the managed node dies or serves again. Code that needs the cluster calls
 * {@link #requireAvailable()}, which turns an outage into a 503 with Retry-After; the service
 * recovers on its own when the cluster comes back.
 */
@Component
public class ElasticsearchStatus {

    /** Seconds a client should wait before retrying while the cluster is down. */
    public static final int RETRY_AFTER_SECONDS = 10;

    public record Snapshot(boolean up, String clusterStatus, String reason, Map<String, Object> details) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final RestClient restClient;
    private final ElasticsearchProperties properties;
    private final ObjectProvider<ManagedElasticsearchLifecycle> managed;
    private volatile Snapshot last = new Snapshot(false, "unknown", "not checked yet", Map.of());
    private volatile long lastRefresh;

    public ElasticsearchStatus(RestClient restClient, ElasticsearchProperties properties,
                               ObjectProvider<ManagedElasticsearchLifecycle> managed) {
        this.restClient = restClient;
        this.properties = properties;
        this.managed = managed;
        managed.ifAvailable(lifecycle -> lifecycle.addListener(this::refresh));
    }

    public Snapshot current() {
        return last;
    }

    public boolean isUp() {
        return last.up();
    }

    /**
     * @throws ServiceUnavailableException when the cluster is not reachable or red. A request that comes
     *         before the first background probe (an external cluster, just after start) probes once itself
     *         rather than failing with "not checked yet".
     */
    public void requireAvailable() {
        Snapshot s = lastRefresh == 0 ? refresh() : last;
        if (!s.up()) {
            throw new ServiceUnavailableException("Elasticsearch is unavailable: " + s.reason(), RETRY_AFTER_SECONDS);
        }
    }

    /** Called when a request to the cluster failed with a connection error: report it at once. */
    public void markDown(String reason) {
        last = new Snapshot(false, "unreachable", reason, last.details());
    }

    /** Every second while the cluster is down, every 5 s while it is up. */
    @Scheduled(initialDelay = 0, fixedDelay = 1000)
    void poll() {
        if (!last.up() || System.nanoTime() - lastRefresh >= 5_000_000_000L) {
            refresh();
        }
    }

    public synchronized Snapshot refresh() {
        lastRefresh = System.nanoTime();
        Map<String, Object> details = new LinkedHashMap<>();
        ManagedElasticsearchLifecycle lifecycle = managed.getIfAvailable();
        if (lifecycle != null) {
            ManagedElasticsearch node = lifecycle.node();
            details.put("mode", "managed");
            details.put("uri", node.uri().toString());
            details.put("process", node.state().name().toLowerCase());
            node.pid().ifPresent(pid -> details.put("pid", pid));
            details.put("stateDir", String.valueOf(node.stateDir()));
            lifecycle.lastRecovery().ifPresent(d -> details.put("lastRecoveryMs", d.toMillis()));
        } else {
            details.put("mode", "external");
            details.put("uris", properties.uris());
        }
        Snapshot snapshot;
        try {
            Request request = new Request("GET", "/_cluster/health");
            request.setOptions(RequestOptions.DEFAULT);
            Response response = restClient.performRequest(request);
            JsonNode health;
            try (InputStream in = response.getEntity().getContent()) {
                health = JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            String status = health.path("status").asString("unknown");
            details.put("cluster", health.path("cluster_name").asString(""));
            details.put("status", status);
            details.put("nodes", health.path("number_of_nodes").asInt());
            boolean up = "green".equals(status) || "yellow".equals(status);
            snapshot = new Snapshot(up, status, up ? "cluster " + status : "cluster status is " + status, details);
        } catch (IOException | RuntimeException e) {
            String reason = lifecycle != null && lifecycle.node().state() != ManagedElasticsearch.State.RUNNING
                    ? "managed node " + lifecycle.node().state().name().toLowerCase() + ": " + lifecycle.node().reason()
                    : "cannot reach Elasticsearch: " + e.getMessage();
            details.put("error", reason);
            snapshot = new Snapshot(false, "unreachable", reason, details);
        }
        last = snapshot;
        return snapshot;
    }
}
