package com.lawyerllama.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class ServiceFoundationTest {

    @LocalServerPort
    int port;

    Http http() {
        return new Http(port);
    }

    @Test
    void healthIsUpWithTheRealElasticsearchComponentUp() {
        HttpResponse<String> response = http().send(http().request("/actuator/health")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = Http.json(response);
        assertThat(health.path("status").asString()).isEqualTo("UP");
        JsonNode es = health.path("components").path("elasticsearch");
        assertThat(es.path("status").asString()).isEqualTo("UP");
        assertThat(es.path("details").path("cluster").asString()).isEqualTo("lawyer-llama");
        assertThat(es.path("details").path("mode").asString()).isEqualTo("external");
    }

    @Test
    void livenessAndReadinessGroupsAnswer() {
        assertThat(http().get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        HttpResponse<String> readiness = http().get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        // Which components the group holds is a detail for admins.
        HttpResponse<String> detailed = http().send(http().request("/actuator/health/readiness")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET());
        assertThat(detailed.body()).contains("elasticsearch");
    }

    @Test
    void anonymousHealthShowsTheStatusOnlyWithoutComponentsOrDetails() {
        HttpResponse<String> response = http().get("/actuator/health");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode health = Http.json(response);
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.has("components")).as(response.body()).isFalse();
        assertThat(response.body()).doesNotContain("pid").doesNotContain("stateDir").doesNotContain("/");
        for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            HttpResponse<String> group = http().get(probe);
            assertThat(group.statusCode()).isEqualTo(200);
            assertThat(Http.json(group).has("components")).as(group.body()).isFalse();
        }
        // A component by name is a detail too.
        assertThat(http().get("/actuator/health/elasticsearch").statusCode()).isIn(401, 404);
    }

    @Test
    void prometheusAndInfoNeedAnAdminOrTheMetricsToken() {
        HttpResponse<String> anonymous = http().get("/actuator/prometheus");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(http().get("/actuator/info").statusCode()).isEqualTo(401);
        HttpResponse<String> prometheus = http().send(http().request("/actuator/prometheus")
                .header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN).GET());
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
        assertThat(http().send(http().request("/actuator/info")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void unknownRouteIsA404ProblemWithRequestId() {
        HttpResponse<String> response = http().send(http().request("/no/such/route").header("X-Request-Id", "abc-123").GET());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        JsonNode problem = Http.json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(404);
        assertThat(problem.path("requestId").asString()).isEqualTo("abc-123");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at com.");
    }

    @Test
    void wrongMethodIsA405Problem() {
        HttpResponse<String> response = http().send(http().request("/actuator/health").DELETE());
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(Http.json(response).path("status").asInt()).isEqualTo(405);
    }

    @Test
    void adminWithoutCredentialsIsA401Problem() {
        HttpResponse<String> response = http().get("/admin/anything");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Basic"));
        JsonNode problem = Http.json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(401);
        assertThat(problem.path("title").asString()).isEqualTo("Unauthorized");
        assertThat(problem.path("requestId").asString()).isNotBlank();
    }

    @Test
    void adminWithWrongPasswordIsRefused() {
        HttpResponse<String> response = http().send(http().request("/admin/anything")
                .header("Authorization", Http.basic("admin", "wrong")).GET());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void adminWithConfiguredCredentialsGetsPastAuthentication() {
        HttpResponse<String> basic = http().send(http().request("/admin/anything")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET());
        assertThat(basic.statusCode()).isNotIn(401, 403);
        HttpResponse<String> bearer = http().send(http().request("/admin/anything")
                .header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN).GET());
        assertThat(bearer.statusCode()).isNotIn(401, 403);
    }

    @Test
    void wrongBearerTokenIsA401Problem() {
        HttpResponse<String> response = http().send(http().request("/admin/anything")
                .header("Authorization", "Bearer nope").GET());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(Http.json(response).path("status").asInt()).isEqualTo(401);
    }

    @Test
    void responsesCarrySecurityHeaders() {
        HttpResponse<String> response = http().get("/actuator/health");
        assertThat(response.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    }
}
