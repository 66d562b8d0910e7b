package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.RetrievalEvaluation;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.SharedData;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The dense retriever in the running service: BM25 alone while no model is active, then a model
 * activated through the admin API, the index embedded by the pass that activation starts, and
 * fused retrieval. Its own small index (three books of the Civil Code) and a random DJL model with a
 * vocabulary from them; the relevance floor is set for that model (an article's own text scores
 * about 0.9 against it, anything else far less).
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.retrieval.alias=dense-api-test", "lawyer.retrieval.dense.min-similarity=0.7",
        "lawyer.retrieval.mode=fused"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DenseRetrieverApiTest {
    private static final String ARTICLE = "民法典:2020-05-28:1123";
    private static Path model;
    private static Path otherDims;
    private static Path corpusRoot;

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

    @Autowired
    ArticleIndex index;

    @Autowired
    RetrievalEvaluation evaluation;

    @BeforeEach
    void corpusAndModels() throws Exception {
        if (model != null) {
            return;
        }
        corpusRoot = Files.createTempDirectory("dense-api-corpus");
        Path books = Files.createDirectories(corpusRoot.resolve("民法典"));
        for (String book : List.of("婚姻家庭编.md", "继承编.md", "侵权责任编.md")) {
            Files.copy(SharedData.path("laws/民法典").resolve(book), books.resolve(book));
        }
        importer.importCorpus(corpusRoot, false, CorpusImporter.Listener.NONE);
        List<Article> articles = LawRefBookReader.read(corpusRoot).uniqueArticles();
        NgramVocabulary vocabulary = NgramVocabulary.build(articles.stream()
                .map(a -> a.law() + " " + String.join(" ", a.path()) + " " + a.text()).toList(), 1, 100_000);
        Path dir = Files.createTempDirectory("dense-api-models");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             DenseEncoder random = DenseEncoder.random(vocabulary, 32, 5, manager);
             DenseEncoder wider = DenseEncoder.random(vocabulary, 48, 5, manager)) {
            random.save(dir.resolve("retriever"), SafetensorsReader.DType.F32);
            wider.save(dir.resolve("wider"), SafetensorsReader.DType.F32);
        }
        otherDims = dir.resolve("wider");
        model = dir.resolve("retriever");
    }

    @AfterAll
    static void dropIndex(@Autowired ArticleIndex index) {
        index.currentIndex().ifPresent(index::deleteIndex);
    }

    private Http http() {
        return new Http(port);
    }

    private HttpResponse<String> admin(String method, String path, String json) {
        HttpRequest.Builder request = http().request(path).header("Authorization", "Bearer " + IntegrationTest.ADMIN_TOKEN);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return http().send(request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
    }

    private List<String> search(String q, int k) {
        HttpResponse<String> response = http().get("/articles/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&k=" + k);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> hits = new ArrayList<>();
        for (JsonNode hit : Http.json(response).path("hits")) {
            hits.add(hit.path("article").path("id").asString() + " " + hit.path("source").asString());
        }
        return hits;
    }

    private JsonNode retrieverHealth() {
        return Http.json(admin("GET", "/actuator/health", null)).path("components").path("retriever").path("details");
    }

    private JsonNode awaitJob(String id) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300)).until(() -> {
            job[0] = Http.json(admin("GET", "/admin/retriever/embed/" + id, null));
            return !job[0].path("state").asString().equals("queued") && !job[0].path("state").asString().equals("running");
        });
        return job[0];
    }

    @Test
    @Order(1)
    void withoutAModelRetrievalIsBm25AndSaysWhy() {
        assertThat(search("遗嘱继承和法定继承", 3)).isNotEmpty().allMatch(h -> h.endsWith(" bm25"));
        JsonNode health = retrieverHealth();
        assertThat(health.path("mode").asString()).isEqualTo("fused");
        assertThat(health.path("answering").asString()).isEqualTo("bm25");
        assertThat(health.path("reason").asString()).contains("model-path is empty");
        HttpResponse<String> eval = admin("POST", "/admin/retrieval/eval", "{\"set\":\""
                + SharedData.path("lawbench/3-2.json").toAbsolutePath() + "\",\"mode\":\"dense\"}");
        assertThat(eval.statusCode()).isEqualTo(409);
        assertThat(Http.json(eval).path("detail").asString()).contains("cannot evaluate dense retrieval");
        // eval's warm-up searches the questions outside the split until its time is up
        List<Path> sets = List.of(SharedData.path("lawbench/3-2.json"));
        List<RetrievalProperties.Mode> bm25 = List.of(RetrievalProperties.Mode.BM25);
        assertThat(evaluation.warmUp(sets, RetrievalEvaluation.Split.DEV, bm25,
                Duration.ofMillis(300))).isPositive();
        assertThat(evaluation.warmUp(sets, RetrievalEvaluation.Split.DEV, bm25, Duration.ZERO)).isZero();
        assertThat(admin("POST", "/admin/retriever/embed", null).statusCode()).isEqualTo(409);
    }

    @Test
    @Order(2)
    void activatingAModelEmbedsTheIndexAndRetrievalFusesBothRankings() {
        HttpResponse<String> activated = admin("POST", "/admin/retriever/activate", "{\"path\":\"" + model + "\"}");
        assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
        JsonNode body = Http.json(activated);
        String id = body.path("model").path("id").asString();
        assertThat(id).hasSize(16).isNotEqualTo("untrained");
        assertThat(body.path("model").path("dims").asInt()).isEqualTo(32);
        JsonNode job = awaitJob(body.path("embedJob").path("id").asString());
        assertThat(job.path("state").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("model").asString()).isEqualTo(id);
        assertThat(job.path("report").path("articles").asInt()).isEqualTo(219);
        assertThat(job.path("report").path("articlesPerSecond").asDouble()).isPositive();

        JsonNode health = retrieverHealth();
        assertThat(health.path("answering").asString()).as(health.toString()).isEqualTo("fused");
        assertThat(health.path("model").path("id").asString()).isEqualTo(id);
        assertThat(health.path("vectors").asLong()).isEqualTo(219);
        assertThat(health.path("articles").asLong()).isEqualTo(219);
        assertThat(health.path("vectorField").path("dims").asInt()).isEqualTo(32);
        assertThat(health.path("vectorField").path("indexType").asString()).as("exact float scan below 384 dimensions").isEqualTo("flat");
        assertThat(Http.json(admin("GET", "/actuator/info", null)).path("retriever").path("model").path("id").asString()).isEqualTo(id);

        String text = index.get(ARTICLE).orElseThrow().text();
        List<String> hits = search(text, 3);
        assertThat(hits.get(0)).isEqualTo(ARTICLE + " bm25+dense");

        HttpResponse<String> again = admin("POST", "/admin/retriever/embed", null);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.headers().firstValue("Location")).hasValueSatisfying(l -> l.startsWith("/admin/retriever/embed/"));
        JsonNode rerun = awaitJob(Http.json(again).path("id").asString());
        assertThat(rerun.path("state").asString()).isEqualTo("succeeded");
        assertThat(rerun.path("report").path("articles").asInt()).isZero();
    }

    @Test
    @Order(3)
    void clearlyUnrelatedQuestionsStillFindNothing() {
        assertThat(retrieverHealth().path("answering").asString()).isEqualTo("fused");
        assertThat(search("今天天气怎么样", 3)).isEmpty();
        assertThat(search("xyzzy qwertyuiop", 3)).isEmpty();
    }

    @Test
    @Order(1)
    void eachQuestionsOutcomeAddsUpToTheRecall() {
        List<RetrievalEvaluation.QuestionOutcome> outcomes = new ArrayList<>();
        RetrievalEvaluation.Result result = evaluation.evaluate(SharedData.path("lawyer-llama/zixun_gpt4.json"), new int[] {3},
                RetrievalEvaluation.Split.DEV, RetrievalProperties.Mode.BM25, outcomes::add);
        assertThat(result.questions()).isPositive();
        assertThat(outcomes).hasSize(result.questions());
        assertThat(outcomes).allSatisfy(o -> {
            assertThat(o.mode()).isEqualTo("bm25");
            assertThat(o.split()).isEqualTo("dev");
            assertThat(o.gold()).isNotEmpty().allMatch(c -> c.matches("《民法典》第[一二三四五六七八九十百千零]+条(之.+)?"));
            assertThat(o.retrieved()).hasSizeLessThanOrEqualTo(3).hasSameSizeAs(o.sources());
            assertThat(o.foundAt3()).isEqualTo((int) o.retrieved().stream().limit(3).filter(o.gold()::contains).count());
        });
        double recall = outcomes.stream().mapToDouble(o -> (double) o.foundAt3() / o.gold().size()).average().orElseThrow();
        assertThat(recall).isCloseTo(result.recallAtK().get(3), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(outcomes.stream().mapToInt(RetrievalEvaluation.QuestionOutcome::foundAt3).sum()).isPositive();
        // Recall per area of law: every question in one area, each area's recall the mean of its questions'.
        assertThat(result.byArea().stream().mapToInt(RetrievalEvaluation.AreaResult::questions).sum()).isEqualTo(result.questions());
        assertThat(result.byArea()).allSatisfy(area -> {
            List<RetrievalEvaluation.QuestionOutcome> in = outcomes.stream().filter(o -> o.area().equals(area.area())).toList();
            assertThat(in).hasSize(area.questions());
            assertThat(area.recallAtK().get(3)).isCloseTo(in.stream().mapToDouble(o -> (double) o.foundAt3() / o.gold().size())
                    .average().orElseThrow(), org.assertj.core.data.Offset.offset(1e-9));
        });
        assertThat(outcomes).allSatisfy(o -> assertThat(o.area()).startsWith("民法典·"));
    }

    @Test
    @Order(4)
    void eachModeCanBeEvaluated() {
        for (String mode : List.of("bm25", "dense", "fused")) {
            HttpResponse<String> eval = admin("POST", "/admin/retrieval/eval", "{\"set\":\""
                    + SharedData.path("lawyer-llama/zixun_gpt4.json").toAbsolutePath() + "\",\"k\":[1,3],\"mode\":\"" + mode + "\"}");
            assertThat(eval.statusCode()).as(eval.body()).isEqualTo(200);
            JsonNode result = Http.json(eval);
            assertThat(result.path("questions").asInt()).as(result.toString()).isPositive();
            assertThat(result.path("mode").asString()).isEqualTo(mode);
            JsonNode path = result.path("densePath");
            if (mode.equals("bm25")) {
                assertThat(path.isMissingNode() || path.isNull()).as(result.toString()).isTrue();
            } else {
                // every question's dense search was timed: encoding, the kNN request, and Elasticsearch's part of it
                assertThat(path.path("searches").asInt()).as(result.toString()).isEqualTo(result.path("questions").asInt());
                assertThat(path.path("encodeP50Ms").asDouble()).isPositive();
                assertThat(path.path("knnP99Ms").asDouble()).isGreaterThanOrEqualTo(path.path("knnP50Ms").asDouble()).isPositive();
                assertThat(path.path("tookP50Ms").asDouble()).isBetween(0.0, path.path("knnP99Ms").asDouble());
            }
        }
        assertThat(retrieverHealth().path("recentSearches").path("searches").asInt()).isPositive();
    }

    @Test
    @Order(5)
    void activationRefusesWhatCannotServeAndKeepsTheModel() throws Exception {
        String before = retrieverHealth().path("model").path("id").asString();
        assertThat(admin("POST", "/admin/retriever/activate", "{\"path\":\"/no/such/model\"}").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/admin/retriever/activate", "{}").statusCode()).isEqualTo(400);
        Path broken = Files.createTempDirectory("broken-retriever");
        Files.copy(model.resolve("config.json"), broken.resolve("config.json"));
        HttpResponse<String> unreadable = admin("POST", "/admin/retriever/activate", "{\"path\":\"" + broken + "\"}");
        assertThat(unreadable.statusCode()).isEqualTo(400);
        assertThat(Http.json(unreadable).path("detail").asString()).contains("vocab.txt");
        HttpResponse<String> wider = admin("POST", "/admin/retriever/activate", "{\"path\":\"" + otherDims + "\"}");
        assertThat(wider.statusCode()).isEqualTo(409);
        assertThat(Http.json(wider).path("detail").asString()).contains("holds 32-dimensional vectors", "reindex");
        assertThat(retrieverHealth().path("model").path("id").asString()).isEqualTo(before);
        assertThat(admin("POST", "/admin/retriever/activate", "{\"path\":\"" + model + "\"}").statusCode())
                .as("the same model again: nothing to embed").isEqualTo(200);
    }

    @Test
    @Order(6)
    void theRetrieverAdminApiNeedsTheAdminRole() {
        assertThat(http().postJson("/admin/retriever/activate", "{\"path\":\"x\"}").statusCode()).isEqualTo(401);
        assertThat(http().postJson("/admin/retriever/embed", "{}").statusCode()).isEqualTo(401);
        assertThat(http().get("/admin/retriever").statusCode()).isEqualTo(401);
    }
}
