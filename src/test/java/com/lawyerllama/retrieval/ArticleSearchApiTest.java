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
import java.util.Map;
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

    /** A judgement's facts, as LawBench 3-5 gives them: hundreds of characters, the same words again and again. */
    static final String THEFT_FACTS = "经审理查明：2019年3月至5月间，被告人张某某在本市某区多个居民小区内，趁被害人不备，先后五次盗窃被害人放置在"
            + "电动车内的手机、现金等财物，共计价值人民币一万二千元。具体事实如下：1. 2019年3月12日晚，被告人张某某在某小区停车棚内，"
            + "撬开被害人李某电动车的储物箱，盗窃苹果手机一部，经鉴定价值人民币四千五百元。2. 2019年4月3日凌晨，被告人张某某在某超市"
            + "门口，盗窃被害人王某放置在电动车车筐内的钱包一个，内有现金人民币八百元。3. 2019年4月20日，被告人张某某在某菜市场内，"
            + "趁被害人赵某挑选蔬菜之机，从其口袋中扒窃华为手机一部，经鉴定价值人民币三千二百元。4. 2019年5月8日，被告人张某某在某"
            + "小区内，盗窃被害人刘某电动车上的电瓶两块，经鉴定价值人民币一千五百元。5. 2019年5月15日，被告人张某某在某公园内盗窃"
            + "被害人陈某放在长椅上的背包，内有现金人民币二千元。案发后，被告人张某某被公安机关抓获，到案后如实供述了上述犯罪事实，"
            + "赃款赃物已部分追回并发还被害人。";

    @Autowired
    ElasticsearchArticleRetriever retriever;

    @Test
    void aLongFactDescriptionIsSearchedByItsMostInformativeBigrams() {
        // lawyer.retrieval.long-query-terms (160): one term clause per chosen bigram on each of the three fields.
        String cleaned = QueryText.clean(THEFT_FACTS);
        var reduced = retriever.reducedQuery(cleaned, "", java.util.Set.of());
        var clauses = reduced.bool().must().get(0).bool().should();
        assertThat(clauses).hasSize(3 * 160);
        assertThat(clauses.stream().map(c -> c.term().field()).distinct()).containsExactly("text", "path", "lawTitle");
        assertThat(clauses.stream().filter(c -> c.term().field().equals("text")).map(c -> c.term().value().stringValue())
                .distinct()).hasSize(160);
        // A repeated, rare word is kept with its count as the boost: "盗窃" occurs five times.
        assertThat(clauses).anyMatch(c -> c.term().field().equals("text") && c.term().value().stringValue().equals("盗窃")
                && c.term().boost() == 5.0f);
        // A short question is searched in full, as before.
        String deposit = QueryText.clean("我交了定金，商家违约了，能要求双倍返还吗？");
        assertThat(retriever.reducedQuery(deposit, "", java.util.Set.of())).isNull();
        // …unless lawyer.retrieval.long-query-from is lower than its distinct bigrams: then all of them, once each.
        var from10 = new ElasticsearchArticleRetriever(index, indexStatus, properties.withLongQueryFrom(10), denseSearch);
        var depositClauses = from10.reducedQuery(deposit, "", java.util.Set.of()).bool().must().get(0).bool().should();
        long distinct = depositClauses.stream().filter(c -> c.term().field().equals("text")).map(c -> c.term().value().stringValue())
                .distinct().count();
        assertThat(distinct).isBetween(11L, 160L);
        assertThat(depositClauses).hasSize(3 * (int) distinct);
        assertThat(new ElasticsearchArticleRetriever(index, indexStatus, properties.withLongQueryFrom(100), denseSearch)
                .reducedQuery(deposit, "", java.util.Set.of())).isNull();

        // Searched end to end (BM25 still ranks criminal procedure first for such facts: docs/retrieval-areas.md).
        HttpResponse<String> response = search(THEFT_FACTS, 5);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(citations(response)).hasSize(5);
    }

    @Autowired
    ArticleIndex index;

    @Autowired
    ArticleIndexStatus indexStatus;

    @Autowired
    RetrievalProperties properties;

    @Autowired
    com.lawyerllama.retrieval.dense.DenseSearch denseSearch;

    @Test
    void theArticlesThatMatchingInterpretationsCiteAreFound() {
        // Lay questions about an offence match the judicial interpretations (amounts, 构成…罪) better than the
        // 刑法 article they apply; those interpretations cite it, and citation spreading (on by default) brings it in.
        var off = new ElasticsearchArticleRetriever(index, indexStatus,
                properties.withCitationSpread(new RetrievalProperties.CitationSpread(0, 20)), denseSearch);
        assertThat(properties.citationSpread().weight()).isPositive();
        Map<String, String> offences = Map.of(
                "盗窃他人手机价值三千元，构成盗窃罪吗？", "《刑法》第二百六十四条",
                "诈骗了五千元会被判刑吗？", "《刑法》第二百六十六条");
        offences.forEach((question, article) -> {
            ArticleRetriever.Request request = new ArticleRetriever.Request(question, List.of(), 3);
            List<String> spread = retriever.retrieve(request, RetrievalProperties.Mode.BM25).stream()
                    .map(h -> h.article().citation()).toList();
            List<String> plain = off.retrieve(request, RetrievalProperties.Mode.BM25).stream()
                    .map(h -> h.article().citation()).toList();
            assertThat(spread).as("with spreading: " + question).contains(article);
            assertThat(plain).as("without: " + question).doesNotContain(article);
        });
        // Through the API as well.
        assertThat(citations(search("诈骗了五千元会被判刑吗？", 3))).first().isEqualTo("《刑法》第二百六十六条");
    }

    @Test
    void longerQuestionsWeighBigramsAboveSingleCharacters() {
        // Two-stage BM25 with lawyer.retrieval.bigram-weight: the final score is the weight × the bigram stage's
        // score plus the full stage's, as Elasticsearch's rescore combines them.
        String text = QueryText.clean("场景:某公司拖欠员工三个月工资，员工能否解除劳动合同并要求经济补偿？");
        var bigrams = retriever.lexicalQuery(text, "", java.util.Set.of(), ElasticsearchArticleRetriever.BIGRAMS_ONLY);
        var full = retriever.lexicalQuery(text, "", java.util.Set.of(), properties.searchAnalyzer());
        List<ScoredArticle> weighted = index.search(bigrams, full, 200, 5, 3.0);
        Map<String, Double> bigramScores = new java.util.HashMap<>();
        index.search(bigrams, null, 0, 200, 0.0).forEach(s -> bigramScores.put(s.article().id(), s.score()));
        Map<String, Double> fullScores = new java.util.HashMap<>();
        index.search(bigrams, full, 200, 200, 0.0).forEach(s -> fullScores.put(s.article().id(), s.score()));
        assertThat(weighted).isNotEmpty();
        for (ScoredArticle s : weighted) {
            assertThat(s.score()).isCloseTo(3.0 * bigramScores.get(s.article().id()) + fullScores.get(s.article().id()),
                    org.assertj.core.api.Assertions.within(1e-3 * s.score()));
        }
        // The default weighs them for questions over 40 characters only: a short one ranks as with weight 0.
        assertThat(properties.bigramWeight()).isPositive();
        assertThat(properties.bigramWeightFrom()).isEqualTo(40);
        var unweighted = new ElasticsearchArticleRetriever(index, indexStatus,
                properties.withBigramWeight(0.0), denseSearch);
        ArticleRetriever.Request shortQuestion = new ArticleRetriever.Request("我交了定金，商家违约了，能要求双倍返还吗？", List.of(), 5);
        assertThat(retriever.retrieve(shortQuestion, RetrievalProperties.Mode.BM25))
                .isEqualTo(unweighted.retrieve(shortQuestion, RetrievalProperties.Mode.BM25));
    }

    private static int countOf(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
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
