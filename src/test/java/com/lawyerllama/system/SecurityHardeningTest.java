package com.lawyerllama.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The rules in docs/security.md that a browser or an attacker meets: no cross-site admin action
 * through cached Basic credentials, no password prompt for a browser, throttled logins that
 * recover, the admin page behind its login whatever Authorization header comes with it, and the
 * metrics token that reads metrics and nothing else.
 */
@IntegrationTest
class SecurityHardeningTest {

    @LocalServerPort
    int port;

    private Http http() {
        return new Http(port);
    }

    private static String adminBasic() {
        return Http.basic("admin", IntegrationTest.ADMIN_PASSWORD);
    }

    private HttpResponse<String> post(String path, String... headers) {
        HttpRequest.Builder request = http().request(path).POST(HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http().send(request);
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        assertThat(Http.json(response).path("status").asInt()).isEqualTo(status);
    }

    @Test
    void aCrossSiteFormPostWithCachedBasicCredentialsIsRefused() {
        // What a foreign page's <form method=post action=http://service/admin/...> makes a browser send
        // once it has cached the admin's Basic credentials.
        for (String path : new String[] {"/admin/training/runs/run-1/cancel", "/admin/retriever/embed"}) {
            assertProblem(post(path, "Authorization", adminBasic(), "Origin", "http://evil.example",
                    "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"), 403);
            assertProblem(post(path, "Authorization", adminBasic(), "Origin", "http://evil.example"), 403);
            assertProblem(post(path, "Authorization", adminBasic(), "Sec-Fetch-Site", "same-site"), 403);
            assertProblem(post(path, "Authorization", adminBasic(), "Origin", "null"), 403);
            // An old browser that sends neither header still sends a form's body type.
            assertProblem(post(path, "Authorization", adminBasic(), "Content-Type", "text/plain"), 403);
        }
        // API clients (and the service's own pages) are not affected: past security to the endpoint's own 404.
        assertThat(post("/admin/training/runs/run-1/cancel", "Authorization", adminBasic()).statusCode()).isEqualTo(404);
        assertThat(post("/admin/training/runs/run-1/cancel", "Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN,
                "Content-Type", "application/json").statusCode()).isEqualTo(404);
        assertThat(post("/admin/training/runs/run-1/cancel", "Authorization", adminBasic(),
                "Origin", "http://127.0.0.1:" + port, "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(404);
    }

    @Test
    void aBrowserIsNeverChallengedWithBasicSoItNeverCachesAPassword() {
        for (String[] browser : new String[][] {{"Sec-Fetch-Mode", "navigate"}, {"Accept", "text/html,*/*;q=0.8"},
                {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"}}) {
            HttpResponse<String> response = http().send(http().request("/admin/training/runs")
                    .header(browser[0], browser[1]).GET());
            assertProblem(response, 401);
            assertThat(response.headers().allValues("WWW-Authenticate")).noneMatch(v -> v.regionMatches(true, 0, "Basic", 0, 5));
            assertThat(Http.json(response).path("detail").asString()).contains("/login");
        }
        // A script still gets the Basic challenge it can answer.
        assertThat(http().get("/admin/training/runs").headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    }

    @Test
    void theAdminPageNeedsItsLoginWhateverAuthorizationHeaderComesWithIt() {
        for (String path : new String[] {"/admin.html", "/admin", "/admin/"}) {
            for (String authorization : new String[] {"Foo bar", "Bearer ", "Bearer", "Basic", "Basic !!!", adminBasic(),
                    "Bearer " + IntegrationTest.ADMIN_TOKEN}) {
                HttpResponse<String> response = http().send(http().request(path).header("Authorization", authorization).GET());
                assertThat(response.statusCode()).as(path + " with " + authorization).isEqualTo(302);
                assertThat(response.headers().firstValue("Location")).hasValueSatisfying(v -> assertThat(v).endsWith("/login"));
                assertThat(response.body()).doesNotContain("<html");
            }
        }
    }

    @Test
    void failedLoginsAreThrottledWith429AndRetryAfterThenTheAdminGetsInAgain() throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build();
        JsonNode csrf = Http.json(browser.send(http().request("/csrf").GET().build(), HttpResponse.BodyHandlers.ofString()));
        int failures = 0;
        // Ten failures from one address, mixing the three ways to log in: Basic, a bearer token, the login form.
        for (int i = 0; i < 4; i++, failures++) {
            assertThat(http().send(http().request("/admin/checkpoints").header("Authorization",
                    Http.basic("admin", "wrong-" + i)).GET()).statusCode()).isEqualTo(401);
        }
        for (int i = 0; i < 3; i++, failures++) {
            assertThat(http().send(http().request("/admin/checkpoints").header("Authorization", "Bearer wrong-" + i).GET())
                    .statusCode()).isEqualTo(401);
        }
        for (int i = 0; i < 3; i++, failures++) {
            HttpResponse<String> form = formLogin(browser, csrf, "wrong-" + i);
            assertThat(form.statusCode()).isEqualTo(302);
            assertThat(form.headers().firstValue("Location")).hasValueSatisfying(v -> assertThat(v).endsWith("/login?error"));
        }
        assertThat(failures).isEqualTo(10);
        // The next attempt is refused before the password is even looked at, the right one included.
        long started = System.nanoTime();
        HttpResponse<String> throttled = http().send(http().request("/admin/checkpoints")
                .header("Authorization", adminBasic()).GET());
        assertProblem(throttled, 429);
        long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 10L);
        assertProblem(formLogin(browser, csrf, IntegrationTest.ADMIN_PASSWORD), 429);
        assertProblem(http().send(http().request("/admin/checkpoints").header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN).GET()), 429);
        // Open endpoints without credentials are not throttled.
        assertThat(http().get("/actuator/health").statusCode()).isEqualTo(200);

        Thread.sleep(retryAfter * 1000 + 200);
        HttpResponse<String> again = http().send(http().request("/admin/checkpoints").header("Authorization", adminBasic()).GET());
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        System.out.printf("login throttle: 10 failures, 429 with Retry-After %d s, admin back in after %.1f s%n",
                retryAfter, (System.nanoTime() - started) / 1e9);
        // The success cleared this address's count: a mistake now is an ordinary 401 again.
        assertThat(http().send(http().request("/admin/checkpoints").header("Authorization", Http.basic("admin", "typo")).GET())
                .statusCode()).isEqualTo(401);
        assertThat(http().send(http().request("/admin/checkpoints").header("Authorization", adminBasic()).GET()).statusCode())
                .isEqualTo(200);
    }

    private HttpResponse<String> formLogin(HttpClient browser, JsonNode csrf, String password) throws IOException, InterruptedException {
        String form = "username=admin&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8)
                + "&" + csrf.path("parameterName").asString() + "=" + URLEncoder.encode(csrf.path("token").asString(), StandardCharsets.UTF_8);
        return browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + port)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theMetricsTokenReadsPrometheusAndNothingElse() {
        String bearer = "Bearer " + IntegrationTest.METRICS_TOKEN;
        HttpResponse<String> metrics = http().send(http().request("/actuator/prometheus").header("Authorization", bearer).GET());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        assertProblem(http().send(http().request("/admin/checkpoints").header("Authorization", bearer).GET()), 403);
        assertProblem(http().send(http().request("/actuator/info").header("Authorization", bearer).GET()), 403);
        HttpResponse<String> health = http().send(http().request("/actuator/health").header("Authorization", bearer).GET());
        assertThat(Http.json(health).has("components")).isFalse();
    }
}
