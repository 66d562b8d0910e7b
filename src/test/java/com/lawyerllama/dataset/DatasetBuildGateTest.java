package com.lawyerllama.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.training.DatasetReaders;
import com.lawyerllama.training.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The quality gate, retries and the record formats, driven by a canned OpenAI-protocol upstream
 * (a real model's text cannot be made to cite a fabricated article or answer 429): the service's
 * real retriever, citation checker and statute index decide.
 */
@IntegrationTest
class DatasetBuildGateTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String WAGES = "公司拖欠我三个月工资，我能解除劳动合同并要求经济补偿吗？";
    static final String LOAN = "朋友借了我五万元到期不还，我能起诉他吗？";
    static final String LEASE = "租房合同还没到期，房东要求我马上搬走，我该怎么办？";
    static final String DIVORCE = "离婚时夫妻共同财产怎么分割？";
    static final String ACCIDENT = "交通事故对方负全责，我可以要求对方赔偿哪些损失？";
    static final String FAKE_GOODS = "在网上买到假货，商家拒绝退款怎么办？";
    static final String PROBATION = "试用期内公司可以随便辞退我吗？";
    static final String REFERENCE = "试用期内用人单位只有在法定情形下才能解除劳动合同，并应当向劳动者说明理由。";
    static final String LONG = "根据您描述的情况，首先需要明确双方之间的法律关系和各自的权利义务，然后再看具体的事实是否符合法律规定的条件。"
            + "如果您能提供更多的细节，例如合同的约定、时间和金额，我可以给出更具体的意见。总的来说，建议您保留好相关证据，必要时通过协商、调解或者诉讼解决。";

    @Autowired
    CorpusImporter importer;
    @Autowired
    DatasetBuilder builder;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    /** Cites the first article it was given, at length: what a good teacher answer looks like to the gate. */
    static String goodAnswer(List<OpenAiStub.Message> messages) {
        List<String> given = OpenAiStub.givenArticles(messages);
        return given.isEmpty() ? LONG : "根据" + OpenAiStub.citation(given.get(0)) + "的规定，" + LONG;
    }

    static String question(List<OpenAiStub.Message> messages) {
        String user = messages.stream().filter(m -> m.role().equals("user")).findFirst().orElseThrow().content();
        return user.lines().findFirst().orElse("");
    }

    static BuildSettings settings(Path questions, Path out, String kind) {
        BuildSettings d = BuildSettings.defaults(questions.toString(), "jsonl", out.toString(), kind);
        return new BuildSettings(d.input(), d.format(), d.output(), kind, 2, 2, 0.0, 7, 60, true, true, 0.8, 2000, 0, 4, 2,
                0.7, 512, 0, 3, Duration.ofMillis(20), Duration.ofSeconds(30), 2.0, 8.0);
    }

    @Test
    void theGateRejectsFabricatedUncitedAndShortAnswersAndRepeatsAndKeepsTheRestInTheRagFormat(@TempDir Path tmp) throws Exception {
        Path questions = tmp.resolve("questions.jsonl");
        Files.writeString(questions, String.join("\n",
                "{\"question\": \"" + WAGES + "\"}",
                "{\"question\": \"" + LOAN + "\"}",
                "{\"question\": \"" + LEASE + "\"}",
                "{\"question\": \"" + DIVORCE + "\"}",
                "{\"question\": \"公司拖欠我三个月工资, 我能解除劳动合同并要求经济补偿吗?\"}",
                "{\"question\": \"公司拖欠我三个月的工资，我能解除劳动合同并要求经济补偿吗？\"}",
                "{\"question\": 42}",
                "{\"question\": \"" + ACCIDENT + "\"}",
                "{\"question\": \"" + FAKE_GOODS + "\"}",
                "{\"question\": \"" + PROBATION + "\", \"reference_answer\": \"" + REFERENCE + "\"}") + "\n");
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Function<List<OpenAiStub.Message>, OpenAiStub.Reply> responder = messages -> {
            String q = question(messages);
            int n = calls.computeIfAbsent(q, k -> new AtomicInteger()).incrementAndGet();
            String user = messages.get(1).content();
            if (q.equals(LOAN)) {
                return OpenAiStub.Reply.ok("根据《民法典》第一千九百九十九条，" + LONG);
            } else if (q.equals(LEASE)) {
                return OpenAiStub.Reply.ok(LONG);
            } else if (q.equals(DIVORCE)) {
                return OpenAiStub.Reply.ok("见" + OpenAiStub.citation(OpenAiStub.givenArticles(messages).get(0)) + "。");
            } else if (q.equals(ACCIDENT) && n == 1) {
                return OpenAiStub.Reply.error(429);
            } else if (q.equals(FAKE_GOODS)) {
                return OpenAiStub.Reply.error(400);
            } else if (q.equals(PROBATION) && !user.contains(REFERENCE)) {
                return OpenAiStub.Reply.ok("没有收到参考答案");
            }
            return OpenAiStub.Reply.ok(goodAnswer(messages));
        };
        Path out = tmp.resolve("rag.json");
        try (OpenAiStub stub = new OpenAiStub(responder)) {
            DatasetBuilder.Result result = builder.build(settings(questions, out, BuildSettings.SINGLE),
                    new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
            assertThat(result.state()).as(String.valueOf(result.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
            BuildReport report = result.report();
            assertThat(report.written()).isEqualTo(3);
            assertThat(report.rejected()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    QualityGate.FABRICATED, 1, QualityGate.NO_GIVEN_ARTICLE, 1, QualityGate.TOO_SHORT, 1,
                    DatasetBuilder.DUPLICATE, 1, DatasetBuilder.NEAR_DUPLICATE, 1, DatasetBuilder.UNREADABLE, 1,
                    DatasetBuilder.TEACHER_REFUSED, 1));
            assertThat(report.processed()).isEqualTo(10);
            assertThat(report.retries()).as("the 429 was retried; the 400 tried maxAttempts times").isEqualTo(1 + 2);
            assertThat(report.promptTokens()).isPositive();
            assertThat(report.completionTokens()).isPositive();
            assertThat(report.costEstimate()).isEqualTo((2.0 * report.promptTokens() + 8.0 * report.completionTokens()) / 1e6);
            assertThat(calls.get(FAKE_GOODS).get()).isEqualTo(3);
        }

        // The records: Lawyer LLaMA's {query, laws, response}, the articles as the index holds them.
        JsonNode records = JSON.readTree(Files.readString(out));
        assertThat(records.valueStream().map(r -> r.get("query").asString()).toList())
                .containsExactly(WAGES, ACCIDENT, PROBATION);
        for (JsonNode r : records) {
            assertThat(r.get("laws").size()).isBetween(1, 3);
            assertThat(r.get("laws").get(0).asString()).matches("《[^》]+》第[^条]+条：.+");
            assertThat(r.get("response").asString()).startsWith("根据《").doesNotContain(REFERENCE);
        }
        DatasetReaders.Read read = DatasetReaders.read("lawyer-llama-rag", out, 0);
        assertThat(read.problems()).isEmpty();
        assertThat(read.examples()).hasSize(3);
        Example.Dialogue first = (Example.Dialogue) read.examples().get(0);
        assertThat(first.turns().get(0).human()).isEqualTo(WAGES);
        assertThat(first.articles()).isEqualTo(records.get(0).get("laws").valueStream().map(JsonNode::asString).toList());
        assertThat(first.articles().toString()).contains("劳动合同法");

        // Every question set aside has its line, reason and detail (and the teacher's answer when there was one).
        List<JsonNode> rejects = Files.readAllLines(BuildOutput.sibling(out, ".rejects.jsonl")).stream().map(JSON::readTree).toList();
        assertThat(rejects).hasSize(7);
        JsonNode fabricated = rejects.stream().filter(r -> r.get("reason").asString().equals(QualityGate.FABRICATED)).findFirst().orElseThrow();
        assertThat(fabricated.get("question").asString()).isEqualTo(LOAN);
        assertThat(fabricated.get("detail").asString()).contains("《民法典》第一千九百九十九条");
        assertThat(fabricated.get("answer").asString()).contains("第一千九百九十九条");
        assertThat(rejects.stream().filter(r -> r.get("reason").asString().equals(DatasetBuilder.UNREADABLE)).findFirst()
                .orElseThrow().get("at").asString()).isEqualTo("questions.jsonl:7");
        JsonNode summary = JSON.readTree(Files.readString(BuildOutput.sibling(out, ".summary.json")));
        assertThat(summary.get("state").asString()).isEqualTo("succeeded");
        assertThat(summary.get("report").get("written").asInt()).isEqualTo(3);
    }

    @Test
    void multiTurnDialoguesAlternateClientAndLawyerWithTheFirstTurnsArticlesPinned(@TempDir Path tmp) throws Exception {
        Path questions = tmp.resolve("questions.jsonl");
        Files.writeString(questions, "{\"question\": \"" + WAGES + "\"}\n{\"question\": \"" + ACCIDENT + "\"}\n");
        String clientSays = "我在这家公司工作两年了，一直没有签书面劳动合同。";
        List<List<OpenAiStub.Message>> lawyerRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
        Function<List<OpenAiStub.Message>, OpenAiStub.Reply> responder = messages -> {
            if (messages.get(0).content().contains("你扮演一位向律师咨询")) {
                assertThat(messages.get(1).content()).startsWith("[客户] ").contains("[律师] ");
                return OpenAiStub.Reply.ok("[客户] " + clientSays);
            }
            lawyerRequests.add(messages);
            return OpenAiStub.Reply.ok(messages.size() > 2 ? "明白了。" + LONG : goodAnswer(messages));
        };
        Path out = tmp.resolve("multi.json");
        try (OpenAiStub stub = new OpenAiStub(responder)) {
            DatasetBuilder.Result result = builder.build(settings(questions, out, BuildSettings.MULTI_TURN),
                    new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
            assertThat(result.state()).as(String.valueOf(result.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
            assertThat(result.report().written()).isEqualTo(2);
        }
        JsonNode records = JSON.readTree(Files.readString(out));
        JsonNode history = records.get(0).get("history");
        assertThat(records.get(0).get("query").asString()).isEqualTo(WAGES);
        assertThat(history).hasSize(4);
        assertThat(history.get(0).asString()).isEqualTo("[客户] " + WAGES);
        assertThat(history.get(1).asString()).startsWith("[律师] 根据《");
        assertThat(history.get(2).asString()).isEqualTo("[客户] " + clientSays);
        assertThat(history.get(3).asString()).startsWith("[律师] 明白了。");
        // The second lawyer turn saw the first exchange, with the pinned articles in the first question only.
        List<OpenAiStub.Message> second = lawyerRequests.stream().filter(m -> m.size() == 4
                && m.get(1).content().startsWith(WAGES)).findFirst().orElseThrow();
        assertThat(second.get(1).content()).contains("### 参考法条:");
        assertThat(second.get(2).role()).isEqualTo("assistant");
        assertThat(second.get(3).content()).isEqualTo(clientSays);
        DatasetReaders.Read read = DatasetReaders.read("lawyer-llama-multi-turn", out, 0);
        assertThat(read.problems()).isEmpty();
        Example.Dialogue d = (Example.Dialogue) read.examples().get(0);
        assertThat(d.turns()).hasSize(2);
        assertThat(d.turns().get(1).human()).isEqualTo(clientSays);
        assertThat(d.articles()).isNotEmpty();
    }

    @Test
    void aDistractorReplacesOneArticleIsRecordedAndCitingItIsRejected(@TempDir Path tmp) throws Exception {
        Path questions = tmp.resolve("questions.jsonl");
        Files.writeString(questions, "{\"question\": \"" + WAGES + "\"}\n{\"question\": \"" + ACCIDENT + "\"}\n");
        Path plain = tmp.resolve("plain.json");
        try (OpenAiStub stub = new OpenAiStub(m -> OpenAiStub.Reply.ok(goodAnswer(m)))) {
            builder.build(settings(questions, plain, BuildSettings.SINGLE),
                    new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
        }
        List<String> retrieved = JSON.readTree(Files.readString(plain)).get(0).get("laws").valueStream().map(JsonNode::asString).toList();
        assertThat(retrieved).hasSize(3);

        // With a distractor in every record: the answer to WAGES cites a retrieved article, ACCIDENT's cites every article given.
        BuildSettings s = settings(questions, tmp.resolve("distracted.json"), BuildSettings.SINGLE);
        BuildSettings withDistractors = new BuildSettings(s.input(), s.format(), s.output(), s.kind(), 2, 2, 1.0, s.seed(),
                s.minAnswerChars(), true, true, s.nearDuplicateThreshold(), s.maxQuestionChars(), 0, s.chunkSize(),
                s.concurrency(), s.temperature(), s.maxTokens(), 0, s.maxAttempts(), s.backoff(), s.unreachableAfter(), null, null);
        Function<List<OpenAiStub.Message>, OpenAiStub.Reply> responder = m -> {
            List<String> given = OpenAiStub.givenArticles(m);
            if (question(m).equals(WAGES)) {
                String relevant = given.stream().filter(retrieved::contains).findFirst().orElseThrow();
                return OpenAiStub.Reply.ok("根据" + OpenAiStub.citation(relevant) + "，" + LONG);
            }
            return OpenAiStub.Reply.ok("根据" + String.join("、", given.stream().map(OpenAiStub::citation).toList()) + "，" + LONG);
        };
        try (OpenAiStub stub = new OpenAiStub(responder)) {
            DatasetBuilder.Result result = builder.build(withDistractors,
                    new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
            assertThat(result.report().rejected()).isEqualTo(Map.of(QualityGate.CITED_DISTRACTOR, 1));
            assertThat(result.report().costEstimate()).isNull();
        }
        JsonNode record = JSON.readTree(Files.readString(Path.of(withDistractors.output()))).get(0);
        List<String> laws = record.get("laws").valueStream().map(JsonNode::asString).toList();
        String distractor = record.get("distractor").get("article").asString();
        assertThat(laws).hasSize(3).contains(distractor);
        assertThat(retrieved).doesNotContain(distractor);
        assertThat(record.get("distractor").get("replaced").asString()).isEqualTo(retrieved.get(2));
        assertThat(laws).containsAll(retrieved.subList(0, 2));
    }

    @Test
    void aTeacherThatIsDownFailsTheBuildAfterTheConfiguredTimeAndAWrongKeyAtOnceKeepingNothingOfTheChunk(@TempDir Path tmp)
            throws Exception {
        Path questions = tmp.resolve("questions.jsonl");
        Files.writeString(questions, "{\"question\": \"" + WAGES + "\"}\n{\"question\": \"" + ACCIDENT + "\"}\n");
        BuildSettings s = settings(questions, tmp.resolve("down.json"), BuildSettings.SINGLE);
        BuildSettings briefOutage = new BuildSettings(s.input(), s.format(), s.output(), s.kind(), 2, 2, 0.0, s.seed(),
                s.minAnswerChars(), true, true, s.nearDuplicateThreshold(), s.maxQuestionChars(), 0, s.chunkSize(),
                s.concurrency(), s.temperature(), s.maxTokens(), 0, 2, Duration.ofMillis(100), Duration.ofSeconds(6), null, null);
        try (OpenAiStub stub = new OpenAiStub(m -> OpenAiStub.Reply.error(503))) {
            DatasetBuilder.Result result = builder.build(briefOutage,
                    new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
            assertThat(result.state()).isEqualTo(DatasetBuilder.State.FAILED);
            assertThat(result.error()).contains("has answered nothing for 6 s", "0 of 2 questions were done");
            assertThat(stub.requests.get()).as("retried past maxAttempts while nothing answered").isGreaterThan(4);
            assertThat(result.report().requests()).isEqualTo(stub.requests.get());
            assertThat(result.report().retries()).isPositive();
        }
        assertThat(JSON.readTree(Files.readString(tmp.resolve("down.json")))).isEmpty();
        assertThat(Files.readString(BuildOutput.sibling(tmp.resolve("down.json"), ".rejects.jsonl"))).isEmpty();

        try (OpenAiStub stub = new OpenAiStub(m -> OpenAiStub.Reply.error(401))) {
            BuildSettings wrongKey = settings(questions, tmp.resolve("key.json"), BuildSettings.SINGLE);
            DatasetBuilder.Result result = builder.build(wrongKey,
                    new OpenAiTeacher(stub.baseUrl(), "wrong", "canned", Duration.ofSeconds(10)), DatasetBuilder.Listener.NONE, () -> false);
            assertThat(result.state()).isEqualTo(DatasetBuilder.State.FAILED);
            assertThat(result.error()).contains("refused the build", "401");
            assertThat(stub.requests.get()).isLessThanOrEqualTo(2);
        }
    }
}
