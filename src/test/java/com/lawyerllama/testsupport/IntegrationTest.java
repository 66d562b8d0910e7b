package com.lawyerllama.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/**
 * The whole service on a random port, talking to the test run's real Elasticsearch node, with no
 * model and no dense retriever model (the repository's {@code models/default} and
 * {@code models/retriever} are not loaded: retrieval answers with BM25; a test that needs a model
 * names one). Test classes with this annotation and no other configuration share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "lawyer.security.admin.username=admin",
                "lawyer.security.admin.password=" + IntegrationTest.ADMIN_PASSWORD,
                "lawyer.security.admin.api-token=" + IntegrationTest.ADMIN_TOKEN,
                "lawyer.security.metrics.token=" + IntegrationTest.METRICS_TOKEN,
                "lawyer.model.path=",
                // No dense retriever model, whatever lies in the working directory's models/retriever:
                // the dense tests bring their own.
                "lawyer.retrieval.dense.model-path="
        })
@ContextConfiguration(initializers = TestElasticsearchInitializer.class)
public @interface IntegrationTest {
    String ADMIN_PASSWORD = "test-admin-password";
    String ADMIN_TOKEN = "test-admin-token";
    String METRICS_TOKEN = "test-metrics-token";
}
