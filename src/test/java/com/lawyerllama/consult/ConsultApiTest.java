package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestModels;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The consultation path end to end: the whole corpus in the real Elasticsearch, a real LLaMA
 * checkpoint (small, random weights, the real Chinese-LLaMA-2 tokenizer) on the real DJL engine.
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.model.max-concurrency=1", "lawyer.model.queue-capacity=1"})
class ConsultApiTest {
    static final String DEPOSIT = "我交了定金，商家违约了，能要求双倍返还吗？";

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("lawyer.model.path", () -> TestModels.tinyChinese().toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

    @Autowired
    ElasticsearchClient elasticsearch;

    @Autowired
    ConsultProperties consultProperties;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    private HttpResponse<String> consult(String json) {
        return new Http(port).postJson("/consult", json);
    }

    @Test
    void answersWithThreeArticlesIncludingTheCivilCodeDepositRule() {
        HttpResponse<String> response = consult("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":24,\"temperature\":0}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Http.json(response);
        assertThat(body.path("conversationId").asString()).matches("[A-Za-z0-9_-]{22}");
        assertThat(body.path("articles")).hasSize(3);
        List<String> laws = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        body.path("articles").forEach(a -> {
            laws.add(a.path("law").asString());
            texts.add(a.path("text").asString());
        });
        assertThat(laws).contains("民法典");
        assertThat(texts).anyMatch(t -> t.contains("定金"));
        assertThat(body.path("citations").isArray()).isTrue();
        assertThat(body.path("usage").path("promptTokens").asInt()).isGreaterThan(50);
        assertThat(body.path("usage").path("completionTokens").asInt()).isBetween(1, 24);
        assertThat(body.path("timings").path("totalMs").asLong()).isGreaterThanOrEqualTo(body.path("timings").path("retrievalMs").asLong());
    }

    @Test
    void aFollowUpReusesTheArticlesSeesTheEarlierTurnAndSurvivesARestart() {
        JsonNode first = Http.json(consult("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":16,\"temperature\":0}"));
        String id = first.path("conversationId").asString();
        JsonNode second = Http.json(consult("{\"question\":\"那如果是我违约了呢？\",\"conversationId\":\"" + id
                + "\",\"maxTokens\":16,\"temperature\":0}"));
        assertThat(second.path("conversationId").asString()).isEqualTo(id);
        assertThat(ids(second.path("articles"))).isEqualTo(ids(first.path("articles")));
        // The second prompt holds the first exchange: more tokens than the first prompt had.
        assertThat(second.path("usage").path("promptTokens").asInt())
                .isGreaterThan(first.path("usage").path("promptTokens").asInt());

        JsonNode stored = Http.json(new Http(port).get("/conversations/" + id));
        assertThat(stored.path("turns")).hasSize(2);
        assertThat(stored.path("turns").get(1).path("question").asString()).isEqualTo("那如果是我违约了呢？");

        // A new store over the same cluster (as after a restart, or on another replica) sees the conversation.
        ConversationStore afterRestart = new ConversationStore(elasticsearch, consultProperties);
        assertThat(afterRestart.find(id)).hasValueSatisfying(c -> assertThat(c.turns()).hasSize(2));

        assertThat(new Http(port).send(new Http(port).request("/conversations/" + id).DELETE()).statusCode()).isEqualTo(204);
        assertThat(new Http(port).get("/conversations/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void streamingDeliversArticlesThenTokensThenDone() throws Exception {
        HttpResponse<String> response = new Http(port).send(new Http(port).request("/consult")
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":12,\"temperature\":0}")));
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^event:(\\S+)").matcher(response.body());
        while (m.find()) {
            events.add(m.group(1));
        }
        assertThat(events.get(0)).isEqualTo("articles");
        assertThat(events.get(events.size() - 1)).isEqualTo("done");
        assertThat(events.subList(1, events.size() - 1)).isNotEmpty().allMatch("token"::equals);
        assertThat(response.body()).doesNotContain("\uFFFD");
    }

    @Test
    void aClientThatDisconnectsStopsTheGeneration() throws Exception {
        double tokensBefore = completionTokens();
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/consult"))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":1000,\"temperature\":1}"))
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null && !line.startsWith("event:token")) {
                // read until the first token arrives
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> inFlight() == 0);
        // The cancelled turn generated far fewer than its 1000 tokens, and was not stored.
        assertThat(completionTokens() - tokensBefore).isLessThan(1000);
    }

    @Test
    void aFullEngineAnswers429WithRetryAfter() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 4; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/consult"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":400,\"temperature\":1}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
        assertThat(responses).anySatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(Http.json(r).path("status").asInt()).isEqualTo(429);
        });
        assertThat(responses).anyMatch(r -> r.statusCode() == 200);
    }

    @Test
    void badInputGetsItsStatusAndAProblemBody() {
        Http http = new Http(port);
        assertProblem(consult("{}"), 400, "question");
        assertProblem(consult("{\"question\":\"   \"}"), 400, "question");
        assertProblem(consult("{\"question\":\"" + "问".repeat(2001) + "\"}"), 400, "2000");
        assertProblem(consult("{\"question\":\"" + "问".repeat(7000) + "\"}"), 413, "bytes");
        assertProblem(consult("{\"question\":"), 400, null);
        assertProblem(consult("[1,2]"), 400, null);
        assertProblem(http.send(http.request("/consult").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("question"))), 415, null);
        assertProblem(consult("{\"question\":\"定金\",\"maxTokens\":0}"), 400, "maxTokens");
        assertProblem(consult("{\"question\":\"定金\",\"maxTokens\":100000}"), 400, "maxTokens");
        assertProblem(consult("{\"question\":\"定金\",\"temperature\":3}"), 400, "temperature");
        assertProblem(consult("{\"question\":\"定金\",\"topP\":0}"), 400, "topP");
        assertProblem(consult("{\"question\":\"定金\",\"conversationId\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"), 404, "conversation");
        assertProblem(consult("{\"question\":\"定金\",\"conversationId\":\"../../etc\"}"), 404, "conversation");
        assertProblem(http.get("/conversations/AAAAAAAAAAAAAAAAAAAAAA"), 404, "conversation");
        // Unknown fields are ignored.
        assertThat(consult("{\"question\":\"定金\",\"maxTokens\":2,\"whatever\":true}").statusCode()).isEqualTo(200);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = Http.json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("requestId").asString()).isNotBlank();
        if (detailContains != null) {
            assertThat(problem.path("detail").asString()).contains(detailContains);
        }
    }

    private static List<String> ids(JsonNode articles) {
        List<String> ids = new ArrayList<>();
        articles.forEach(a -> ids.add(a.path("id").asString()));
        return ids;
    }

    private double completionTokens() {
        return metric("consult_tokens_total\\{kind=\"completion\"[^}]*\\} (\\S+)");
    }

    private double inFlight() {
        return metric("consult_in_flight\\S* (\\S+)");
    }

    private double metric(String pattern) {
        Http http = new Http(port);
        String text = http.send(http.request("/actuator/prometheus")
                .header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN).GET()).body();
        Matcher m = Pattern.compile("(?m)^" + pattern).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
