package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Statute search over the whole corpus in the real Elasticsearch. */
@IntegrationTest
class ArticleSearchApiTest {

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    private HttpResponse<String> search(String q, int k) {
        return new Http(port).get("/articles/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&k=" + k);
    }

    private static List<String> citations(HttpResponse<String> response) {
        List<String> out = new ArrayList<>();
        for (JsonNode hit : Http.json(response).path("hits")) {
            out.add(hit.path("article").path("citation").asString());
        }
        return out;
    }

    @Test
    void depositQuestionFindsTheCivilCodeDepositArticles() {
        HttpResponse<String> response = search("我交了定金，商家违约了，能要求双倍返还吗？", 3);
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> found = citations(response);
        assertThat(found).hasSize(3);
        assertThat(found).anyMatch(c -> c.equals("《民法典》第五百八十七条") || c.equals("《民法典》第五百八十六条")
                || c.equals("《民法典》第五百八十八条"));
    }

    @Test
    void anExplicitCitationComesFirst() {
        HttpResponse<String> response = search("刑法第264条规定的盗窃罪怎么量刑", 3);
        JsonNode first = Http.json(response).path("hits").get(0);
        assertThat(first.path("article").path("citation").asString()).isEqualTo("《刑法》第二百六十四条");
        assertThat(first.path("source").asString()).isEqualTo("explicit");
    }

    @Test
    void onlyCurrentVersionsAreSearched() {
        for (JsonNode hit : Http.json(search("公司股东出资期限", 10)).path("hits")) {
            assertThat(hit.path("article").path("current").asBoolean()).isTrue();
        }
    }

    @Test
    void anUnrelatedQueryReturnsNothingRatherThanNoise() {
        HttpResponse<String> response = search("xyzzy qwertyuiop", 3);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.json(response).path("hits")).isEmpty();
    }

    @Test
    void articleViewerReturnsAnArticleById() {
        HttpResponse<String> response = new Http(port).get("/articles/"
                + URLEncoder.encode("民法典:2020-05-28:586", StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.json(response).path("text").asString()).startsWith("当事人可以约定一方向对方给付定金");
        assertThat(new Http(port).get("/articles/no-such-article").statusCode()).isEqualTo(404);
    }

    @Test
    void badSearchParametersAre400Problems() {
        for (HttpResponse<String> response : List.of(search("定金", 0), search("定金", 1000),
                search(" ", 3), search("定".repeat(5000), 3), new Http(port).get("/articles/search?k=3"),
                new Http(port).get("/articles/search?q=x&k=abc"))) {
            assertThat(response.statusCode()).as(response.uri().toString()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(response.uri().toString())
                    .startsWith("application/problem+json");
        }
    }
}
