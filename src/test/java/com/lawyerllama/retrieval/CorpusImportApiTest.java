package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.lawyerllama.law.ArticleReadResult;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.SharedData;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The admin import API on the whole shared corpus, twice: the second run changes nothing. */
@IntegrationTest
class CorpusImportApiTest {

    @LocalServerPort
    int port;

    @Test
    void importsTheWholeCorpusWithoutFailuresAndARerunChangesNothing() {
        Http http = new Http(port);
        ArticleReadResult read = LawRefBookReader.read(SharedData.path("laws"));
        JsonNode first = runImport(http);
        assertThat(first.path("state").asString()).isEqualTo("succeeded");
        JsonNode report = first.path("report");
        assertThat(report.path("articlesRead").asInt()).isEqualTo(64_665);
        assertThat(report.path("articles").asInt()).isEqualTo(read.uniqueArticles().size());
        assertThat(report.path("failed").asInt()).isZero();
        assertThat(report.path("created").asInt() + report.path("updated").asInt() + report.path("unchanged").asInt())
                .isEqualTo(read.uniqueArticles().size());

        JsonNode second = runImport(http).path("report");
        assertThat(second.path("created").asInt()).isZero();
        assertThat(second.path("updated").asInt()).isZero();
        assertThat(second.path("unchanged").asInt()).isEqualTo(read.uniqueArticles().size());
        assertThat(second.path("failed").asInt()).isZero();
    }

    @Test
    void aMissingCorpusDirectoryIsA400() {
        HttpResponse<String> response = new Http(port).send(new Http(port).request("/admin/corpus/import")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"path\":\"/no/such/corpus\"}")));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).path("detail").asString()).contains("/no/such/corpus");
    }

    @Test
    void importingNeedsTheAdminRole() {
        HttpResponse<String> response = new Http(port).postJson("/admin/corpus/import", "{\"path\":\"x\"}");
        assertThat(response.statusCode()).isEqualTo(401);
    }

    private JsonNode runImport(Http http) {
        String auth = Http.basic("admin", IntegrationTest.ADMIN_PASSWORD);
        String body = "{\"path\":\"" + SharedData.path("laws").toAbsolutePath().toString().replace("\\", "/") + "\"}";
        HttpResponse<String>[] started = new HttpResponse[1];
        // Another test may be importing at this moment (409): wait for it and start ours.
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            started[0] = http.send(http.request("/admin/corpus/import").header("Authorization", auth)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
            return started[0].statusCode() != 409;
        });
        assertThat(started[0].statusCode()).isEqualTo(202);
        String id = Http.json(started[0]).path("id").asString();
        assertThat(started[0].headers().firstValue("Location")).hasValue("/admin/corpus/import/" + id);
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            job[0] = Http.json(http.send(http.request("/admin/corpus/import/" + id).header("Authorization", auth).GET()));
            return !job[0].path("state").asString().equals("queued") && !job[0].path("state").asString().equals("running");
        });
        return job[0];
    }
}
