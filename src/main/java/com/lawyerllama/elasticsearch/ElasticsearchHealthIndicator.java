package com.lawyerllama.elasticsearch;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code /actuator/health} component "elasticsearch": cluster status, or DOWN with the reason. */
@Component("elasticsearch")
public class ElasticsearchHealthIndicator implements HealthIndicator {
    private final ElasticsearchStatus status;

    public ElasticsearchHealthIndicator(ElasticsearchStatus status) {
        this.status = status;
    }

    @Override
    public Health health() {
        ElasticsearchStatus.Snapshot s = status.refresh();
        Health.Builder builder = s.up() ? Health.up() : Health.down();
        return builder.withDetails(s.details()).withDetail("reason", s.reason()).build();
    }
}
