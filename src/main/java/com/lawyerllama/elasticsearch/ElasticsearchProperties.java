package com.lawyerllama.elasticsearch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the Elasticsearch cluster is. With {@code uris} empty the service runs its own node
 * ({@link ManagedElasticsearch}); otherwise it connects to the given cluster and starts nothing.
 */
@ConfigurationProperties(prefix = "lawyer.elasticsearch")
public record ElasticsearchProperties(
        @DefaultValue List<String> uris,
        String username,
        String password,
        String apiKey,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("30s") Duration socketTimeout,
        @DefaultValue Managed managed) {

    public boolean external() {
        return uris != null && uris.stream().anyMatch(u -> u != null && !u.isBlank());
    }

    /** Settings of the node the service runs itself when no external cluster is configured. */
    public record Managed(
            @DefaultValue("9201") int port,
            @DefaultValue("1g") String heap,
            @DefaultValue("180s") Duration startTimeout,
            Path distribution,
            @DefaultValue("lawyer-es") String user,
            Path javaHome) {
    }
}
