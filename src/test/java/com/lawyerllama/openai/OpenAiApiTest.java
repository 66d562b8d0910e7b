package com.lawyerllama.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.lawyerllama.LawyerLlamaApplication;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.TcpRelay;
import com.lawyerllama.testsupport.TestElasticsearch;
import com.lawyerllama.llama.LlamaEngine;
import java.io.InputStream;
import java.time.Duration;
import java.util.stream.Stream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.NodePackages;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestModels;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /v1} driven by the official OpenAI Node SDK (npm {@code openai}, installed by the test) and
 * by raw HTTP for the inputs no SDK would send: the real service with a real checkpoint (small,
 * random weights, the real Chinese-LLaMA-2 tokenizer) on the real engine and the whole corpus in
 * the real Elasticsearch. One slot and no queue, so that a second request is refused at once.
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.model.max-concurrency=1", "lawyer.model.queue-capacity=0",
        "lawyer.openai.api-keys=" + OpenAiApiTest.KEY + ",second-key"})
class OpenAiApiTest {
    static final String KEY = "sdk-test-key";
    static final String OPENAI_SDK_VERSION = "7.59.0";
    static final String PLAIN_MODEL = "tiny-zh";
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
    LlamaEngine engine;

    @BeforeEach
    void corpusAndAFreeSlot() {
        TestCorpus.ensureImported(importer);
        // A generation an earlier test abandoned ends at its next token: wait for the one slot to be free.
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.describe().get("running").equals(0));
    }

    @Test
    void theOpenAiNodeSdkGetsCompletionsStreamsModelsAndItsTypedErrors() throws Exception {
        Path sdk = NodePackages.install("openai", OPENAI_SDK_VERSION);
        Path script = Path.of(getClass().getResource("/openai/sdk-check.mjs").toURI());
        NodePackages.Result result = NodePackages.node(sdk, script, 300,
                "http://127.0.0.1:" + port + "/v1", KEY, PLAIN_MODEL, "lawyer-llama-rag");
        assertThat(result.exitCode()).as(result.errors()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(result.output());

        JsonNode plain = report.path("plain");
        assertThat(plain.path("object").asString()).isEqualTo("chat.completion");
        assertThat(plain.path("role").asString()).isEqualTo("assistant");
        assertThat(plain.path("text").asString()).isNotBlank();
        assertThat(plain.path("finish").asString()).isIn("stop", "length");
        assertThat(plain.path("usage").path("prompt_tokens").asInt()).isGreaterThan(10);
        assertThat(plain.path("usage").path("completion_tokens").asInt()).isBetween(1, 24);
        assertThat(plain.path("usage").path("total_tokens").asInt()).isEqualTo(
                plain.path("usage").path("prompt_tokens").asInt() + plain.path("usage").path("completion_tokens").asInt());
        // Greedy decoding: the chunks reassemble to the very text of the non-streamed answer.
        JsonNode streamed = report.path("plainStreamed");
        assertThat(streamed.path("text").asString()).isEqualTo(plain.path("text").asString());
        assertThat(streamed.path("role").asString()).isEqualTo("assistant");
        assertThat(streamed.path("finish").asString()).isEqualTo(plain.path("finish").asString());
        assertThat(streamed.path("usage")).isEqualTo(plain.path("usage"));
        assertThat(streamed.path("objects").get(0).asString()).isEqualTo("chat.completion.chunk");
        assertThat(streamed.path("chunks").asInt()).isGreaterThan(3);

        assertThat(strings(report.path("models"))).containsExactlyInAnyOrder("lawyer-llama-rag", PLAIN_MODEL);
        assertThat(report.path("retrieved").asString()).isEqualTo("lawyer-llama-rag");

        // The consultation model: three articles with the Civil Code's deposit rule, citations checked.
        JsonNode rag = report.path("rag");
        assertThat(rag.path("text").asString()).isNotBlank();
        assertThat(rag.path("articles")).hasSize(3);
        List<String> laws = new ArrayList<>();
        rag.path("articles").forEach(a -> laws.add(a.path("law").asString() + a.path("text").asString()));
        assertThat(laws).anyMatch(l -> l.startsWith("民法典") && l.contains("定金"));
        assertThat(rag.path("citations").isArray()).isTrue();
        assertThat(rag.path("usage").path("prompt_tokens").asInt()).isGreaterThan(plain.path("usage").path("prompt_tokens").asInt());
        JsonNode ragStreamed = report.path("ragStreamed");
        assertThat(ragStreamed.path("text").asString()).isEqualTo(rag.path("text").asString());
        assertThat(ragStreamed.path("articles")).isEqualTo(rag.path("articles"));
        assertThat(ragStreamed.path("citations")).isEqualTo(rag.path("citations"));

        assertError(report.path("badRequest"), "BadRequestError", 400, "n");
        assertError(report.path("notFound"), "NotFoundError", 404, "model");
        assertThat(report.path("notFound").path("code").asString()).isEqualTo("model_not_found");
        assertError(report.path("modelNotFound"), "NotFoundError", 404, "model");
        assertError(report.path("authentication"), "AuthenticationError", 401, null);
        assertThat(report.path("authentication").path("code").asString()).isEqualTo("invalid_api_key");
        assertError(report.path("rateLimit"), "RateLimitError", 429, null);
        assertThat(report.path("rateLimit").path("retryAfter").asInt()).isPositive();
    }

    private static void assertError(JsonNode error, String sdkClass, int status, String param) {
        assertThat(error.path("class").asString()).as(error.toString()).isEqualTo(sdkClass);
        assertThat(error.path("status").asInt()).isEqualTo(status);
        assertThat(error.path("message").asString()).isNotBlank().doesNotContain("Exception").doesNotContain("at com.");
        if (param != null) {
            assertThat(error.path("param").asString()).isEqualTo(param);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    @Test
    void badInputGetsItsStatusAndAnOpenAiShapedErrorAndNothingIsStored() throws Exception {
        long conversationsBefore = conversations();
        String q = "{\"role\":\"user\",\"content\":\"" + DEPOSIT + "\"}";
        record Case(String body, int status, String param) {
        }
        List<Case> cases = List.of(
                new Case("{\"model\":\"tiny-zh\",\"messages\":[]}", 400, "messages"),
                new Case("{\"model\":\"tiny-zh\"}", 400, "messages"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", 400, "messages[0].role"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"tool\",\"content\":\"hi\"}]}", 400, "messages[0].role"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", 400, "messages[0].content"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", 400,
                        "messages[0].content[0]"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"n\":2}", 400, "n"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"max_tokens\":-5}", 400, "max_tokens"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"max_tokens\":100000}", 400, "max_tokens"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"max_completion_tokens\":0}", 400, "max_completion_tokens"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"temperature\":\"hot\"}", 400, "temperature"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"temperature\":3}", 400, "temperature"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"top_p\":0}", 400, "top_p"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"stream\":\"yes\"}", 400, "stream"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"stop\":[1,2]}", 400, "stop"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"tools\":[{\"type\":\"function\"}]}", 400, "tools"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"response_format\":{\"type\":\"json_object\"}}", 400,
                        "response_format"),
                new Case("{\"model\":42,\"messages\":[" + q + "]}", 400, "model"),
                new Case("{\"model\":\"lawyer-llama-rag\",\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\"}]}", 400, "messages"),
                new Case("{\"model\":\"tiny-zh\",\"messages\":[" + q + "]", 400, null),
                new Case("[1,2,3]", 400, null),
                new Case("", 400, null),
                new Case("{\"model\":\"gpt-4o\",\"messages\":[" + q + "]}", 404, "model"));
        for (Case c : cases) {
            HttpResponse<String> response = post(c.body().getBytes(StandardCharsets.UTF_8), KEY);
            assertOpenAiError(response, c.status(), c.param(), c.body());
        }
        // Invalid UTF-8 (a lone continuation byte inside a string).
        byte[] invalid = "{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":\"X\"}]}".getBytes(StandardCharsets.UTF_8);
        invalid[invalid.length - 5] = (byte) 0x80;
        assertOpenAiError(post(invalid, KEY), 400, null, "invalid UTF-8");
        // An escaped unpaired surrogate and a NUL inside a message: not text, refused as on /consult.
        for (String bad : List.of("\\ud800", "\\u0000")) {
            byte[] body = ("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":\"X" + bad + "\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> refused = post(body, KEY);
            assertOpenAiError(refused, 400, null, "escaped " + bad);
            assertThat(Http.json(refused).path("error").path("message").asString()).contains("content");
        }
        // A huge body: refused before it is read.
        byte[] huge = ("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "法".repeat(200_000) + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertOpenAiError(post(huge, KEY), 413, null, "huge body");
        // Too many characters in all, under the body limit.
        String many = ("{\"role\":\"user\",\"content\":\"" + "法".repeat(20_000) + "\"},").repeat(2);
        assertOpenAiError(post(("{\"model\":\"tiny-zh\",\"messages\":[" + many + q + "]}").getBytes(StandardCharsets.UTF_8), KEY),
                400, "messages", "too many characters");
        // No key, a wrong key, the admin's token: 401 before anything else.
        String good = "{\"model\":\"tiny-zh\",\"messages\":[" + q + "],\"max_tokens\":2}";
        assertOpenAiError(post(good.getBytes(StandardCharsets.UTF_8), null), 401, null, "no key");
        assertOpenAiError(post(good.getBytes(StandardCharsets.UTF_8), "wrong"), 401, null, "wrong key");
        assertOpenAiError(post(good.getBytes(StandardCharsets.UTF_8), IntegrationTest.ADMIN_TOKEN), 401, null, "admin token");
        assertThat(post(good.getBytes(StandardCharsets.UTF_8), "second-key").statusCode()).isEqualTo(200);
        // An unknown /v1 path.
        Http http = new Http(port);
        assertOpenAiError(http.send(http.request("/v1/embeddings").header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))), 404, null, "unknown path");

        assertThat(conversations()).isEqualTo(conversationsBefore);
    }

    @Test
    void wrongKeysAreThrottledWithAnOpenAiShaped429ThenTheRightKeyGetsInAgain() throws Exception {
        byte[] good = ("{\"model\":\"tiny-zh\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}")
                .getBytes(StandardCharsets.UTF_8);
        // A success first clears this address's count, whatever earlier tests left in it.
        assertThat(post(good, KEY).statusCode()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {                     // lawyer.security.login-throttle.max-failures
            assertOpenAiError(post(good, "guess-" + i), 401, null, "wrong key " + i);
        }
        long started = System.nanoTime();
        HttpResponse<String> throttled = post(good, KEY);  // the right key too: refused before it is looked at
        assertOpenAiError(throttled, 429, null, "after 10 wrong keys");
        assertThat(Http.json(throttled).path("error").path("type").asString()).isEqualTo("rate_limit_error");
        long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 10L);
        Thread.sleep(retryAfter * 1000 + 200);
        assertThat(post(good, KEY).statusCode()).isEqualTo(200);
        System.out.printf("/v1 key throttle: 10 wrong keys, 429 with Retry-After %d s, the right key back in after %.1f s%n",
                retryAfter, (System.nanoTime() - started) / 1e9);
    }

    @Test
    void benchRemoteComparesTheRemoteModelsClientWithAPlainReaderOnTheSameServer() {
        Cli.Result r = Cli.run("bench-remote", "--base-url", "http://127.0.0.1:" + port + "/v1", "--model", PLAIN_MODEL,
                "--api-key", KEY, "--requests", "3", "--warm-up", "1", "--max-tokens", "8");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("3 pairs after 1 warm-up pairs, max_tokens 8")
                .containsPattern("(?m)^  latency ms: mean [0-9.]+, p50 [0-9.]+.*client CPU [0-9.]+ ms per request$")
                .containsPattern("(?m)^remote minus plain, per pair: median [-+][0-9.]+ ms, mean [-+][0-9.]+ ms")
                // Temperature 0 on one server: the two clients must read the same answer.
                .contains("same text on both paths: 3 of 3");
    }

    private HttpResponse<String> post(byte[] body, String key) {
        Http http = new Http(port);
        HttpRequest.Builder request = http.request("/v1/chat/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request);
    }

    static void assertOpenAiError(HttpResponse<String> response, int status, String param, String what) {
        assertThat(response.statusCode()).as(what + ": " + response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/json");
        JsonNode error = Http.json(response).path("error");
        assertThat(error.path("message").asString()).as(what).isNotBlank().doesNotContain("Exception");
        assertThat(error.path("type").asString()).as(what).isNotBlank();
        assertThat(error.has("param")).as(what + ": param is always there").isTrue();
        assertThat(error.has("code")).as(what + ": code is always there").isTrue();
        if (param != null) {
            assertThat(error.path("param").asString()).as(what).isEqualTo(param);
        }
    }

    @Test
    void theOpenApiDescriptionCoversTheWholeApiAndMarksAdminOperations() {
        Http http = new Http(port);
        HttpResponse<String> docs = http.get("/v3/api-docs");
        assertThat(docs.statusCode()).as(docs.body()).isEqualTo(200);
        JsonNode paths = Http.json(docs).path("paths");
        assertThat(paths.has("/consult")).isTrue();
        assertThat(paths.has("/conversations/{id}")).isTrue();
        assertThat(paths.has("/v1/chat/completions")).isTrue();
        assertThat(paths.has("/v1/models")).isTrue();
        assertThat(paths.has("/admin/training/runs")).isTrue();
        JsonNode training = paths.path("/admin/training/runs").path("post");
        assertThat(training.path("security").toString()).contains("adminBasic");
        assertThat(training.path("description").asString()).contains("ADMIN");
        assertThat(paths.path("/consult").path("post").has("security")).isFalse();
        HttpResponse<String> ui = http.get("/swagger-ui/index.html");
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("swagger");
    }

    // ------------------------------------------------------------------------------------------
    // The remote answering model: a second instance of the service (provider openai) whose upstream is
    // this one's /v1, reached through a TCP relay that can stall or close like a real server.

    private static ConfigurableApplicationContext remoteInstance;
    private static TcpRelay relay;

    private int remotePort() throws Exception {
        if (remoteInstance == null) {
            relay = new TcpRelay(port);
            // Command-line arguments, so that they win over application.yml as the test's own properties do.
            remoteInstance = new SpringApplicationBuilder(LawyerLlamaApplication.class).run(Stream.of(
                    "server.port=0",
                    "lawyer.elasticsearch.uris=" + TestElasticsearch.uri(),
                    "lawyer.data-dir=" + Files.createTempDirectory("lawyer-remote-data"),
                    "lawyer.security.admin.username=admin",
                    "lawyer.security.admin.password=" + IntegrationTest.ADMIN_PASSWORD,
                    "lawyer.retrieval.dense.model-path=",
                    "lawyer.model.path=",
                    "lawyer.model.provider=openai",
                    "spring.ai.openai.base-url=http://127.0.0.1:" + relay.port() + "/v1",
                    "spring.ai.openai.api-key=" + KEY,
                    "spring.ai.openai.chat.options.model=" + PLAIN_MODEL,
                    "lawyer.model.remote.read-timeout=10s",
                    "lawyer.model.remote.retry-after-seconds=7").map(a -> "--" + a).toArray(String[]::new));
        }
        relay.mode(TcpRelay.Mode.FORWARD);
        relay.start();
        return ((WebServerApplicationContext) remoteInstance).getWebServer().getPort();
    }

    /** The model's health entry with its details, which only an admin sees. */
    private static HttpResponse<String> adminHealth(Http remote) throws Exception {
        return remote.send(remote.request("/actuator/health/model")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET());
    }

    @AfterAll
    static void stopRemoteInstance() {
        if (remoteInstance != null) {
            remoteInstance.close();
            relay.close();
        }
    }

    @Test
    void aConsultationThroughARemoteServerGivesTheUpstreamsOwnAnswerWithArticlesAndCheckedCitations() throws Exception {
        Http remote = new Http(remotePort());
        String question = "{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":24,\"temperature\":0}";
        HttpResponse<String> through = remote.postJson("/consult", question);
        assertThat(through.statusCode()).as(through.body()).isEqualTo(200);
        HttpResponse<String> direct = new Http(port).postJson("/consult", question);
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
        JsonNode a = Http.json(through);
        JsonNode b = Http.json(direct);
        assertThat(a.path("answer").asString()).isNotBlank().isEqualTo(b.path("answer").asString());
        assertThat(ids(a.path("articles"))).hasSize(3).isEqualTo(ids(b.path("articles")));
        assertThat(a.path("citations")).isEqualTo(b.path("citations"));
        assertThat(a.path("usage").path("completionTokens").asInt()).isEqualTo(b.path("usage").path("completionTokens").asInt());
        assertThat(a.path("usage").path("promptTokens").asInt()).isEqualTo(b.path("usage").path("promptTokens").asInt());
        // The turn is stored as any other.
        assertThat(remote.get("/conversations/" + a.path("conversationId").asString()).statusCode()).isEqualTo(200);

        // Streamed to /consult's SSE as well.
        HttpResponse<String> streamed = remote.send(remote.request("/consult").header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(question)));
        assertThat(streamed.body()).contains("event:articles").contains("event:token").contains("event:done");

        // Health names the endpoint and the model, checks the server lists it, and never shows the key.
        HttpResponse<String> health = adminHealth(remote);
        JsonNode details = Http.json(health).path("details");
        assertThat(Http.json(health).path("status").asString()).as(health.body()).isEqualTo("UP");
        assertThat(details.path("baseUrl").asString()).isEqualTo("http://127.0.0.1:" + relay.port() + "/v1");
        assertThat(details.path("modelListed").asBoolean()).isTrue();
        assertThat(details.path("latencyMs").isNumber()).isTrue();
        assertThat(health.body()).doesNotContain(KEY);

        // Training needs the local engine, and says so.
        HttpResponse<String> training = remote.send(remote.request("/admin/training/runs")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"planName\":\"tiny\"}")));
        assertThat(training.statusCode()).isEqualTo(409);
        assertThat(training.body()).contains("local engine");

        // Model-assisted retrieval queries through the remote server: the rewrite is the upstream's own greedy
        // answer to the same chat, asked here directly.
        com.lawyerllama.consult.QueryAssist assist = remoteInstance.getBean(com.lawyerllama.consult.QueryAssist.class);
        com.lawyerllama.consult.QueryAssist.Assisted assisted = assist.expand(DEPOSIT, com.lawyerllama.consult.QueryAssist.Mode.REWRITE);
        assertThat(assisted.failure()).isNull();
        JsonMapper json = JsonMapper.builder().build();
        var body = json.createObjectNode().put("model", PLAIN_MODEL).put("temperature", 0).put("max_tokens", 64);
        var messages = body.putArray("messages");
        assist.messages(DEPOSIT, com.lawyerllama.consult.QueryAssist.Mode.REWRITE)
                .forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        HttpResponse<String> upstream = new Http(port).send(new Http(port).request("/v1/chat/completions")
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))));
        assertThat(upstream.statusCode()).as(upstream.body()).isEqualTo(200);
        String rewrite = Http.json(upstream).path("choices").get(0).path("message").path("content").asString()
                .replaceAll("\\s+", " ").strip();
        assertThat(rewrite).isNotEmpty();
        assertThat(assisted.added()).isEqualTo(rewrite);
        assertThat(assisted.query()).isEqualTo(DEPOSIT + " " + rewrite);

        // Then, in this order (each leaves the upstream busy or unreachable for a while):
        busyStalledAndStoppedUpstreams();
    }

    /** A remote server that is busy, stalled or stopped becomes a 429 or a 503, with Retry-After. */
    private void busyStalledAndStoppedUpstreams() throws Exception {
        Http remote = new Http(remotePort());
        String question = "{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":8,\"temperature\":0}";

        // Busy: the upstream's only slot is taken by a long generation; its 429 becomes ours.
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<InputStream> longOne = client.send(new Http(port).request("/v1/chat/completions")
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + PLAIN_MODEL + "\",\"stream\":true,"
                        + "\"max_tokens\":1024,\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"" + DEPOSIT + "\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = longOne.body()) {
            body.read(new byte[64]);
            HttpResponse<String> busy = remote.postJson("/consult", question);
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).isPresent();
        }

        // Stalled: the server accepts and never answers; the read timeout (10 s) ends the wait.
        relay.mode(TcpRelay.Mode.SILENT);
        long start = System.nanoTime();
        HttpResponse<String> slow = remote.postJson("/consult", question);
        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(503);
        assertThat(slow.headers().firstValue("Retry-After")).hasValue("7");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
        assertThat(slow.body()).contains("did not answer in time").doesNotContain(KEY);

        // Stopped: connection refused. A query rewrite then leaves the question as it is.
        relay.stop();
        com.lawyerllama.consult.QueryAssist.Assisted unassisted = remoteInstance.getBean(com.lawyerllama.consult.QueryAssist.class)
                .expand(DEPOSIT, com.lawyerllama.consult.QueryAssist.Mode.REWRITE);
        assertThat(unassisted.query()).isEqualTo(DEPOSIT);
        assertThat(unassisted.failure()).startsWith("the model failed: the remote model server");
        HttpResponse<String> stopped = remote.postJson("/consult", question);
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(503);
        assertThat(stopped.headers().firstValue("Retry-After")).hasValue("7");
        JsonNode health = Http.json(adminHealth(remote));
        assertThat(health.path("status").asString()).isEqualTo("DOWN");
        assertThat(health.path("details").path("reachable").asBoolean()).isFalse();
        relay.start();
    }

    private static List<String> ids(JsonNode articles) {
        List<String> ids = new ArrayList<>();
        articles.forEach(a -> ids.add(a.path("id").asString()));
        return ids;
    }

    private long conversations() throws Exception {
        elasticsearch.indices().refresh(r -> r.index("conversations*").ignoreUnavailable(true).allowNoIndices(true));
        try {
            return elasticsearch.count(c -> c.index("conversations").ignoreUnavailable(true)).count();
        } catch (co.elastic.clients.elasticsearch._types.ElasticsearchException e) {
            return 0;
        }
    }
}
