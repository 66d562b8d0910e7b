package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.RetrievalEvaluation;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestModels;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Model-assisted retrieval queries with the real engine (a small random-weight checkpoint, the real
 * Chinese-LLaMA-2 tokenizer) and the real index: the consultation searches with the question
 * followed by the model's own greedy rewrite, the evaluation measures the same thing, and a model
 * that fails or is too slow leaves the question as it is. (Against a remote server: OpenAiApiTest.)
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.consult.query-assist.mode=rewrite", "lawyer.model.max-concurrency=1",
        "lawyer.model.queue-capacity=2"})
class QueryAssistTest {
    private static final String DEPOSIT = ConsultApiTest.DEPOSIT;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("lawyer.model.path", () -> TestModels.tinyChinese().toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

    @Autowired
    QueryAssist assist;

    @Autowired
    LlamaEngine engine;

    @Autowired
    PromptBuilder prompts;

    @Autowired
    RetrievalEvaluation evaluation;

    @Autowired
    RetrievalProperties retrievalProperties;

    @Autowired
    ObjectProvider<com.lawyerllama.llama.remote.RemoteChatModel> noRemote;

    @TempDir
    Path dir;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    @Test
    void theConsultationSearchesWithTheQuestionAndTheModelsOwnGreedyRewrite() throws Exception {
        assertThat(assist.mode()).isEqualTo(QueryAssist.Mode.REWRITE);
        // The model's text, generated here apart from QueryAssist: its chat format, greedy, 64 tokens.
        ChatFormat chat = prompts.formatFor(engine.chatFormat());
        String prompt = chat.render(List.of(ChatMessage.system(PromptFormat.SYSTEM_PROMPT),
                ChatMessage.user(QueryAssist.REWRITE_INSTRUCTION + DEPOSIT)), true);
        String generated = engine.submit(prompt, engine.defaultGenerationOptions().withMaxNewTokens(64).withTemperature(0)
                .withStopStrings(chat.stopStrings()), TokenListener.NONE).result().get().text();
        String expected = generated.replaceAll("\\s+", " ").strip();
        assertThat(expected).as("the random model writes something").isNotEmpty();

        QueryAssist.Assisted assisted = assist.expand(DEPOSIT);
        assertThat(assisted.failure()).isNull();
        assertThat(assisted.added()).isEqualTo(expected);
        assertThat(assisted.query()).isEqualTo(DEPOSIT + " " + expected);

        // POST /consult gives the articles a search for exactly that query gives.
        Http http = new Http(port);
        HttpResponse<String> consulted = http.postJson("/consult", "{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":4,\"temperature\":0}");
        assertThat(consulted.statusCode()).as(consulted.body()).isEqualTo(200);
        HttpResponse<String> searched = http.get("/articles/search?k=3&q="
                + URLEncoder.encode(assisted.query(), StandardCharsets.UTF_8));
        assertThat(searched.statusCode()).as(searched.body()).isEqualTo(200);
        assertThat(ids(Http.json(consulted).path("articles"))).isNotEmpty()
                .isEqualTo(hitIds(Http.json(searched).path("hits")));
    }

    @Test
    void theEvaluationTimesAndRecordsTheAssistedQueries() throws Exception {
        Path set = dir.resolve("two.json");
        Files.writeString(set, "[{\"query\": \"" + DEPOSIT + "\", \"laws\": [\"《民法典》第五百八十七条：债务人履行债务的，定金应当抵作价款或者收回。\"]},"
                + "{\"query\": \"离婚时夫妻共同财产怎么分？\", \"laws\": [\"《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理。\"]}]");
        List<RetrievalEvaluation.QuestionOutcome> outcomes = new ArrayList<>();
        RetrievalEvaluation.Result result = evaluation.withQueries(q -> assist.expand(q).query(), "rewrite")
                .evaluate(set, new int[] {3}, RetrievalEvaluation.Split.ALL, RetrievalProperties.Mode.BM25, outcomes::add);
        assertThat(result.mode()).isEqualTo("bm25+rewrite");
        assertThat(result.questions()).isEqualTo(2);
        assertThat(outcomes).hasSize(2).allSatisfy(o -> {
            assertThat(o.mode()).isEqualTo("bm25+rewrite");
            assertThat(o.searched()).isEqualTo(assist.expand(o.question()).query()).startsWith(o.question() + " ");
        });
        // The plain evaluation searches the question itself.
        List<RetrievalEvaluation.QuestionOutcome> plain = new ArrayList<>();
        assertThat(evaluation.evaluate(set, new int[] {3}, RetrievalEvaluation.Split.ALL, RetrievalProperties.Mode.BM25,
                plain::add).mode()).isEqualTo("bm25");
        assertThat(plain).allSatisfy(o -> assertThat(o.searched()).isNull());
    }

    @Test
    void aModelThatIsTooSlowOrAQuestionWithNoRoomLeavesTheQuestionAsItIs() {
        QueryAssist impatient = new QueryAssist(engine, noRemote, prompts,
                new QueryAssistProperties(QueryAssist.Mode.REWRITE, 64, 160, Duration.ofMillis(1)), retrievalProperties);
        QueryAssist.Assisted late = impatient.expand(DEPOSIT);
        assertThat(late.query()).isEqualTo(DEPOSIT);
        assertThat(late.added()).isNull();
        assertThat(late.failure()).contains("took longer than 1 ms");

        String longest = "合".repeat(retrievalProperties.maxQueryLength());
        QueryAssist.Assisted full = assist.expand(longest);
        assertThat(full.query()).isEqualTo(longest);
        assertThat(full.failure()).contains("no room");

        // Near the limit the model's text is cut so that the query still fits.
        String nearly = "合".repeat(retrievalProperties.maxQueryLength() - 4);
        QueryAssist.Assisted cut = assist.expand(nearly);
        assertThat(cut.query().codePointCount(0, cut.query().length())).isLessThanOrEqualTo(retrievalProperties.maxQueryLength());

        assertThat(assist.expand(DEPOSIT, QueryAssist.Mode.OFF).query()).isEqualTo(DEPOSIT);
        assertThat(QueryAssist.clean(" 违约\n定金\t罚则 ", 100)).isEqualTo("违约 定金 罚则");
        assertThat(QueryAssist.clean("𠀀𠀀𠀀", 2)).isEqualTo("𠀀𠀀");
    }

    private static List<String> hitIds(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(h -> ids.add(h.path("article").path("id").asString()));
        return ids;
    }

    private static List<String> ids(JsonNode articles) {
        List<String> ids = new ArrayList<>();
        articles.forEach(a -> ids.add(a.path("id").asString()));
        return ids;
    }
}
