package com.lawyerllama.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.cli.Launcher;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * A build as a durable job: the admin API (401 without credentials, 400 with every problem, 202,
 * progress, 409 for a second build of the same output, cancel, continue), and a {@code build-data}
 * process killed with SIGKILL in the middle of a chunk, then run again: every question ends up
 * exactly once in the records or the rejects.
 */
@IntegrationTest
class DatasetBuildJobTest {
    static final String ADMIN = Http.basic("admin", IntegrationTest.ADMIN_PASSWORD);
    static final List<String> QUESTIONS = List.of(
            "公司拖欠我三个月工资，我能解除劳动合同并要求经济补偿吗？",
            "朋友借了我五万元到期不还，我能起诉他吗？",
            "交通事故对方负全责，我可以要求对方赔偿哪些损失？",
            "试用期内公司可以随便辞退我吗？",
            "离婚后孩子的抚养费应该怎么确定？",
            "房东不退押金，我该怎么维权？",
            "邻居装修把我家的墙弄裂了，谁来赔？",
            "被狗咬伤了，狗的主人要承担什么责任？");

    @LocalServerPort
    int port;
    @Autowired
    CorpusImporter importer;
    @Autowired
    DatasetBuilder builder;
    @Autowired
    DatasetBuildJobs jobs;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    static Function<List<OpenAiStub.Message>, OpenAiStub.Reply> slowGoodTeacher(long millis) {
        return messages -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OpenAiStub.Reply.ok(DatasetBuildGateTest.goodAnswer(messages));
        };
    }

    static String jsonl(List<String> questions) {
        return String.join("\n", questions.stream().map(q -> "{\"question\": \"" + q + "\"}").toList()) + "\n";
    }

    HttpResponse<String> post(String path, String json, boolean authenticated) {
        HttpRequest.Builder request = new Http(port).request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return new Http(port).send(authenticated ? request.header("Authorization", ADMIN) : request);
    }

    JsonNode get(String path) {
        return Http.json(new Http(port).send(new Http(port).request(path).header("Authorization", ADMIN).GET()));
    }

    JsonNode await(String id, Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job = get("/admin/datasets/build/" + id);
        while (!condition.test(job)) {
            assertThat(System.nanoTime()).as("waiting for %s: %s", id, job).isLessThan(deadline);
            Thread.sleep(100);
            job = get("/admin/datasets/build/" + id);
        }
        return job;
    }

    @Test
    void theAdminApiRunsABuildAsAJobThatCanBeCancelledAndContinued() throws Exception {
        String name = "api-" + System.nanoTime();
        Files.createDirectories(jobs.outputDir());
        Files.writeString(jobs.outputDir().resolve(name + ".jsonl"), jsonl(QUESTIONS.subList(0, 5)));
        try (OpenAiStub stub = new OpenAiStub(slowGoodTeacher(800))) {
            String body = """
                    {"input": "%s.jsonl", "output": "%s.json", "chunkSize": 1, "concurrency": 1, "requestsPerMinute": 0, "unreachableAfterSeconds": 5,
                     "teacher": {"baseUrl": "%s", "model": "canned"}}""".formatted(name, name, stub.baseUrl());

            assertThat(post("/admin/datasets/build", body, false).statusCode()).isEqualTo(401);
            HttpResponse<String> bad = post("/admin/datasets/build", """
                    {"input": "%s.jsonl", "output": "x.json", "kind": "three-turn", "distractorShare": 2, "teacher": {"baseUrl": "%s", "model": "m"}}"""
                    .formatted(name, stub.baseUrl()), true);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(Http.json(bad).get("problems").toString()).contains("kind", "distractorShare");
            assertThat(post("/admin/datasets/build", body.replace(name + ".json\"", "../escape.json\""), true).statusCode()).isEqualTo(400);
            assertThat(post("/admin/datasets/build", body.replace(name + ".jsonl\"", "../../../etc/passwd\""), true).statusCode()).isEqualTo(400);

            HttpResponse<String> started = post("/admin/datasets/build", body, true);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            String id = Http.json(started).get("id").asString();
            assertThat(Http.json(started).has("apiKey")).isFalse();
            JsonNode running = await(id, j -> j.path("report").path("written").asInt() >= 1, Duration.ofSeconds(60));
            assertThat(running.get("state").asString()).isEqualTo("running");

            HttpResponse<String> second = post("/admin/datasets/build", body, true);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
            assertThat(Http.json(second).get("jobId").asString()).isEqualTo(id);

            assertThat(post("/admin/datasets/build/" + id + "/cancel", "", true).statusCode()).isEqualTo(200);
            JsonNode cancelled = await(id, j -> !j.get("state").asString().equals("running"), Duration.ofSeconds(30));
            assertThat(cancelled.get("state").asString()).isEqualTo("cancelled");
            int writtenBefore = cancelled.get("report").get("written").asInt();
            assertThat(writtenBefore).isBetween(1, 4);
            assertThat(post("/admin/datasets/build/" + id + "/cancel", "", true).statusCode()).isEqualTo(409);

            // The same request again continues after the last record written.
            HttpResponse<String> again = post("/admin/datasets/build", body, true);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            JsonNode done = await(Http.json(again).get("id").asString(), j -> j.get("state").asString().equals("succeeded"),
                    Duration.ofSeconds(60));
            assertThat(done.get("report").get("written").asInt()).isEqualTo(5);
            assertThat(done.get("report").get("processed").asInt()).isEqualTo(5);
            Path output = Path.of(done.get("settings").get("output").asString());
            assertThat(queries(output)).containsExactlyElementsOf(QUESTIONS.subList(0, 5));
            assertThat(get("/admin/datasets/build").findValuesAsString("id")).contains(id);
            assertThat(new Http(port).send(new Http(port).request("/admin/datasets/build/no-such").header("Authorization", ADMIN)
                    .GET()).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aBuildProcessKilledMidChunkContinuesWithoutDuplicates(@TempDir Path tmp) throws Exception {
        Path questions = Files.writeString(tmp.resolve("questions.jsonl"), jsonl(QUESTIONS));
        Path out = tmp.resolve("killed.json");
        Set<Integer> asked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (OpenAiStub stub = new OpenAiStub(messages -> {
            asked.add(QUESTIONS.indexOf(DatasetBuildGateTest.question(messages)));
            return slowGoodTeacher(400).apply(messages);
        })) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Dfile.encoding=UTF-8",
                    "-cp", System.getProperty("java.class.path"), Launcher.class.getName(),
                    "build-data", "--questions", questions.toString(), "--out", out.toString(), "--chunk", "2",
                    "--concurrency", "1", "--rpm", "0", "--teacher-url", stub.baseUrl(), "--teacher-model", "canned",
                    "--lawyer.elasticsearch.uris=" + TestElasticsearch.uri(), "--lawyer.data-dir=" + tmp.resolve("data"),
                    "--lawyer.model.path=", "--lawyer.retrieval.dense.model-path="));
            Path log = tmp.resolve("build.log");
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Path progress = BuildOutput.sibling(out, ".progress.json");
            try {
                // Killed once a chunk is on disk and the next one's calls are under way.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (!(Files.isRegularFile(progress) && DatasetBuildGateTest.JSON.readTree(progress.toFile())
                        .get("nextQuestion").asInt() >= 2 && asked.stream().anyMatch(i -> i >= 3))) {
                    assertThat(child.isAlive()).as("build-data ended early:\n%s", tail(log)).isTrue();
                    assertThat(System.nanoTime()).as("no chunk written in time:\n%s", tail(log)).isLessThan(deadline);
                    Thread.sleep(20);
                }
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            int doneAtKill = DatasetBuildGateTest.JSON.readTree(progress.toFile()).get("nextQuestion").asInt();
            assertThat(doneAtKill).isBetween(2, QUESTIONS.size() - 1);
            // As if the kill had also landed in the middle of writing the next chunk: torn tails on both files.
            Files.writeString(out, Files.readString(out).replaceAll("\n]\n$", "") + ",\n{\"query\": \"半条记录",
                    StandardCharsets.UTF_8);
            Files.writeString(BuildOutput.sibling(out, ".rejects.jsonl"), "{\"index\": 9, \"rea", StandardOpenOption.APPEND);

            BuildSettings d = BuildSettings.defaults(questions.toString(), "jsonl", out.toString(), BuildSettings.SINGLE);
            BuildSettings same = new BuildSettings(d.input(), d.format(), d.output(), d.kind(), d.minTurns(), d.maxTurns(),
                    d.distractorShare(), d.seed(), d.minAnswerChars(), d.requireCitation(), d.rejectCutOff(),
                    d.nearDuplicateThreshold(), d.maxQuestionChars(), 0, 3, 2, d.temperature(), d.maxTokens(), 0,
                    d.maxAttempts(), d.backoff(), d.unreachableAfter(), null, null);
            int requestsBefore = stub.requests.get();
            DatasetBuilder.Result rerun = builder.build(same, new OpenAiTeacher(stub.baseUrl(), "", "canned", Duration.ofSeconds(10)),
                    DatasetBuilder.Listener.NONE, () -> false);
            assertThat(rerun.state()).as(String.valueOf(rerun.error())).isEqualTo(DatasetBuilder.State.SUCCEEDED);
            assertThat(stub.requests.get() - requestsBefore).as("only the questions not yet written were asked")
                    .isEqualTo(QUESTIONS.size() - doneAtKill);
        }
        List<String> written = queries(out);
        List<String> rejected = Files.readAllLines(BuildOutput.sibling(out, ".rejects.jsonl")).stream()
                .map(l -> DatasetBuildGateTest.JSON.readTree(l).get("question").asString()).toList();
        List<String> all = new ArrayList<>(written);
        all.addAll(rejected);
        assertThat(all).as("each question once, in the records or the rejects").containsExactlyInAnyOrderElementsOf(QUESTIONS);
        assertThat(new HashSet<>(written)).hasSameSizeAs(written);
    }

    static List<String> queries(Path output) throws IOException {
        return DatasetBuildGateTest.JSON.readTree(Files.readString(output)).valueStream().map(r -> r.get("query").asString()).toList();
    }

    private static String tail(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return text.substring(Math.max(0, text.length() - 3000));
    }
}
