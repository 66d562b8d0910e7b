package com.lawyerllama.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.lawyerllama.system.DataDirectory;
import java.net.URI;
import java.util.List;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Elasticsearch client, pointed at the external cluster or at the managed node. */
@Configuration(proxyBeanMethods = false)
public class ElasticsearchConfiguration {

    @Bean
    ManagedElasticsearchLifecycle managedElasticsearch(ElasticsearchProperties properties, DataDirectory dataDirectory) {
        if (properties.external()) {
            return null;
        }
        ElasticsearchProperties.Managed managed = properties.managed();
        ManagedElasticsearch node = new ManagedElasticsearch(new ManagedElasticsearch.Settings(
                ManagedElasticsearch.locateDistribution(managed.distribution()).orElse(null),
                dataDirectory.resolve("elasticsearch"), managed.port(), managed.heap(),
                managed.startTimeout(), managed.user(), managed.javaHome()));
        return new ManagedElasticsearchLifecycle(node);
    }

    @Bean(destroyMethod = "close")
    RestClient elasticsearchRestClient(ElasticsearchProperties properties,
                                       ObjectProvider<ManagedElasticsearchLifecycle> managed) {
        List<String> uris = properties.external()
                ? properties.uris().stream().filter(u -> u != null && !u.isBlank()).toList()
                : List.of(managed.getObject().node().uri().toString());
        HttpHost[] hosts = uris.stream().map(URI::create)
                .map(u -> new HttpHost(u.getHost(), u.getPort() < 0 ? ("https".equals(u.getScheme()) ? 443 : 9200) : u.getPort(), u.getScheme()))
                .toArray(HttpHost[]::new);
        RestClientBuilder builder = RestClient.builder(hosts)
                .setRequestConfigCallback(c -> c
                        .setConnectTimeout((int) properties.connectTimeout().toMillis())
                        .setSocketTimeout((int) properties.socketTimeout().toMillis()));
        if (properties.apiKey() != null && !properties.apiKey().isBlank()) {
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "ApiKey " + properties.apiKey())});
        } else if (properties.username() != null && !properties.username().isBlank()) {
            BasicCredentialsProvider credentials = new BasicCredentialsProvider();
            credentials.setCredentials(AuthScope.ANY,
                    new UsernamePasswordCredentials(properties.username(), properties.password()));
            builder.setHttpClientConfigCallback(c -> c.setDefaultCredentialsProvider(credentials));
        }
        return builder.build();
    }

    @Bean
    ElasticsearchClient elasticsearchClient(RestClient restClient) {
        return new ElasticsearchClient(new RestClientTransport(restClient, new Jackson3JsonpMapper()));
    }
}
