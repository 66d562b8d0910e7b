package com.lawyerllama.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.lawyerllama.system.ServiceUnavailableException;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.util.List;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * The status of an external cluster before the first background probe: a request probes once itself, so a
 * service that has just started neither refuses its first consultation nor reports a live cluster as down.
 */
class ElasticsearchStatusTest {

    private static ElasticsearchStatus statusOf(String uri) {
        RestClient client = RestClient.builder(HttpHost.create(uri)).build();
        ElasticsearchProperties properties = new ElasticsearchProperties(List.of(uri), null, null, null,
                java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5), null);
        return new ElasticsearchStatus(client, properties,
                new StaticListableBeanFactory().getBeanProvider(ManagedElasticsearchLifecycle.class));
    }

    @Test
    void theFirstRequestProbesALiveClusterInsteadOfFailing() {
        ElasticsearchStatus status = statusOf(TestElasticsearch.uri());
        assertThat(status.current().reason()).isEqualTo("not checked yet");
        status.requireAvailable();
        assertThat(status.isUp()).isTrue();
    }

    @Test
    void theFirstRequestToAnUnreachableClusterSaysWhy() {
        ElasticsearchStatus status = statusOf("http://127.0.0.1:" + TestElasticsearch.freePort());
        assertThatThrownBy(status::requireAvailable).isInstanceOf(ServiceUnavailableException.class)
                .hasMessageContaining("cannot reach Elasticsearch");
    }
}
