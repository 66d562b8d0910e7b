package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.Generator;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The tiny plan through the admin API on CPU: every stage trains, the final checkpoint loads and generates. */
@IntegrationTest
class TrainingApiTest {
    static final String ADMIN = Http.basic("admin", IntegrationTest.ADMIN_PASSWORD);
    static final String TINY_BASE = """
            {"init": "random", "hiddenSize": 64, "intermediateSize": 172, "numHiddenLayers": 2,
             "numAttentionHeads": 4, "numKeyValueHeads": 2, "tokenizer": "models/stories260K/tok512.bin"}""";

    @LocalServerPort
    int port;
    Http http;

    static int threadsBefore;

    @BeforeEach
    void setUp() {
        http = new Http(port);
    }

    /** One PyTorch thread: on the shared 2-core test machine OpenMP threads otherwise spin against other work (10× slower). */
    @org.junit.jupiter.api.BeforeAll
    static void oneThread() {
        ai.djl.engine.Engine.getInstance();
        threadsBefore = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threadsBefore);
    }

    HttpResponse<String> post(String path, String json) {
        return http.send(http.request(path).header("Authorization", ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    HttpResponse<String> get(String path) {
        return http.send(http.request(path).header("Authorization", ADMIN).GET());
    }

    @Test
    void tinyPlanTrainsEveryStageAndTheFinalCheckpointGenerates() throws Exception {
        HttpResponse<String> first = post("/admin/training/runs", "{\"planName\": \"tiny\", \"base\": " + TINY_BASE + "}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        String id = Http.json(first).get("id").asString();

        // A second run waits its turn instead of being refused; cancelling it while queued ends it.
        HttpResponse<String> second = post("/admin/training/runs", "{\"planName\": \"tiny\", \"base\": " + TINY_BASE + "}");
        assertThat(second.statusCode()).isEqualTo(202);
        String secondId = Http.json(second).get("id").asString();
        assertThat(Http.json(get("/admin/training/runs/" + secondId)).get("state").asString()).isEqualTo("QUEUED");
        assertThat(post("/admin/training/runs/" + secondId + "/cancel", "").statusCode()).isEqualTo(200);
        assertThat(Http.json(get("/admin/training/runs/" + secondId)).get("state").asString()).isEqualTo("CANCELLED");
        assertThat(post("/admin/training/runs/" + secondId + "/cancel", "").statusCode()).isEqualTo(409);

        // Progress arrives as server-sent events.
        List<String> events = new ArrayList<>();
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(
                http.request("/admin/training/runs/" + id + "/events").header("Authorization", ADMIN).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        CompletableFuture.runAsync(() -> stream.body().takeWhile(l -> !(l.startsWith("event:") && l.contains("step"))).forEach(events::add))
                .get(120, TimeUnit.SECONDS);
        stream.body().close();
        assertThat(events).contains("event:state");

        JsonNode run = awaitEnd(id, Duration.ofMinutes(4));
        assertThat(run.get("state").asString()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertThat(run.get("tokensSeen").asLong()).isPositive();
        assertThat(run.get("tokensPerSecond").asDouble()).isPositive();
        assertThat(run.get("validationLoss").isNumber()).isTrue();
        JsonNode stages = run.get("stages");
        assertThat(stages).hasSize(5);
        for (JsonNode s : stages) {
            assertThat(s.get("lastLoss").asDouble()).as("training loss falls in %s", s.get("name")).isLessThan(s.get("firstLoss").asDouble());
            assertThat(s.get("lastValidationLoss").isNumber()).as("validation loss in %s", s.get("name")).isTrue();
        }
        System.out.println("tiny plan through the API: " + stages + ", skipped steps " + run.get("skippedSteps"));

        // The stages that name evaluations ran them on their final checkpoints.
        JsonNode evaluations = run.get("evaluations");
        assertThat(evaluations.valueStream().map(e -> e.get("stage").asString()).toList())
                .containsExactly("S1-general-pretraining", "S12-retrieval-augmented-sft");
        for (JsonNode e : evaluations) {
            Path stageCheckpoint = Path.of(e.get("checkpoint").asString());
            assertThat(stageCheckpoint.resolve("evaluation.json")).exists();
            for (JsonNode t : e.get("report").get("tasks")) {
                assertThat(t.get("n").asInt()).as(t.toString()).isEqualTo(4);
                assertThat(t.get("chance").asDouble()).isGreaterThan(0);
                assertThat(t.get("accuracy").asDouble()).isBetween(0.0, 1.0);
            }
        }
        assertThat(evaluations.get(1).get("report").get("tasks").valueStream().map(t -> t.get("task").asString()).toList())
                .containsExactly("sst2", "ocnli");
        System.out.println("tiny plan stage evaluations: " + evaluations);

        Path checkpoint = Path.of(run.get("finalCheckpoint").asString());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.bin", "plan.json", "metrics.jsonl")) {
            assertThat(checkpoint.resolve(f)).exists();
        }
        try (LlamaModel model = LlamaModel.load(checkpoint, Device.cpu(), 256)) {
            GenerationResult r = new Generator(model, Tokenizers.load(checkpoint))
                    .generate("### Human: 离婚时财产怎么分？\n### Assistant:", GenerationOptions.greedy(16), TokenListener.NONE, () -> false);
            assertThat(r.generatedTokens()).isPositive();
        }

        // The served model swaps to the trained checkpoint.
        String named = run.get("id").asString() + "/" + checkpoint.getFileName();
        HttpResponse<String> activated = post("/admin/model/activate", "{\"checkpoint\": \"" + named + "\"}");
        assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
        assertThat(Http.json(activated).get("loaded").asBoolean()).isTrue();
        assertThat(Http.json(activated).get("path").asString()).isEqualTo(checkpoint.toString());
        assertThat(post("/admin/model/activate", "{\"checkpoint\": \"" + id + "/no-such\"}").statusCode()).isEqualTo(404);

        JsonNode checkpoints = Http.json(get("/admin/checkpoints"));
        assertThat(checkpoints.findValuesAsString("path")).contains(checkpoint.toAbsolutePath().toString());
        assertThat(Http.json(get("/admin/training/runs")).findValuesAsString("id")).contains(id, secondId);
        assertThat(post("/admin/training/runs/" + id + "/cancel", "").statusCode()).isEqualTo(409);
        // GET /admin/evaluations lists the run's stage evaluations; POST runs one on any checkpoint as a job.
        JsonNode listed = Http.json(get("/admin/evaluations"));
        assertThat(listed.get("stages").valueStream().filter(e -> e.get("runId").asString().equals(id))
                .map(e -> e.get("stage").asString()).toList()).containsExactly("S1-general-pretraining", "S12-retrieval-augmented-sft");
        HttpResponse<String> queued = post("/admin/evaluations",
                "{\"checkpoint\": \"" + id + "/S1-general-pretraining\", \"tasks\": [\"sst2\"], \"limit\": 3}");
        assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
        String jobId = Http.json(queued).get("id").asString();
        JsonNode job = Http.json(get("/admin/evaluations/" + jobId));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!job.get("state").asString().equals("succeeded") && !job.get("state").asString().equals("failed")
                && System.nanoTime() < until) {
            Thread.sleep(100);
            job = Http.json(get("/admin/evaluations/" + jobId));
        }
        assertThat(job.get("state").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.get("report").get("tasks").get(0).get("n").asInt()).isEqualTo(3);
        assertThat(job.get("done").asInt()).isEqualTo(3);
        assertThat(Http.json(get("/admin/evaluations")).get("jobs").findValuesAsString("id")).contains(jobId);
        assertThat(post("/admin/evaluations/" + jobId + "/cancel", "").statusCode()).isEqualTo(409);

        assertThat(Files.readAllLines(checkpoint.resolve("metrics.jsonl")))
                .anyMatch(l -> l.contains("\"type\":\"evaluation\"") && l.contains("S1-general-pretraining"));
        assertThat(Files.readAllLines(checkpoint.getParent().getParent().resolve("metrics.jsonl")))
                .anyMatch(l -> l.contains("\"type\":\"evaluation\"") && l.contains("S12-retrieval-augmented-sft"));
    }

    @Test
    void anInvalidPlanIsRefusedWithEveryProblemListed() {
        String plan = """
                {"plan": {"name": "bad", "seed": 1, "validationFraction": 0.1, "evalEvery": 5, "evalBatches": 1,
                  "checkpointEvery": 5, "logEvery": 1, "stages": [
                   {"name": "S1", "objective": "causal-lm", "steps": 0, "seqLen": 64, "batchSize": 4, "lr": 0.001,
                    "datasets": [{"format": "epub", "path": "general-text/zh/cmrc2018_contexts.jsonl", "weight": 1}]},
                   {"name": "S7", "objective": "sft", "steps": 10, "seqLen": 64, "batchSize": 4, "lr": 0.001,
                    "lora": {"rank": 0, "alpha": 16, "targets": ["q_proj"]},
                    "evaluate": {"tasks": ["sst2", "no-such-task"], "limit": 4},
                    "datasets": [{"format": "alpaca", "path": "lawyer-llama/no-such-file.json", "weight": 1}]}]},
                 "base": %s}""".formatted(TINY_BASE);
        HttpResponse<String> r = post("/admin/training/runs", plan);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Http.json(r).has("problems")).as(r.body()).isTrue();
        List<String> problems = Http.json(r).get("problems").valueStream().map(JsonNode::asString).toList();
        assertThat(problems).hasSize(5);
        assertThat(String.join("\n", problems)).contains("unknown format 'epub'", "steps must be positive",
                "lora.rank must be in [1, 256]", "no such file or folder", "evaluate: unknown task 'no-such-task'");
    }

    /** The retriever plan starts through the same API (no base), and a cancel stops it even while it mines hard negatives. */
    @Test
    void theRetrieverPlanRunsThroughTheApiAndCancels() throws Exception {
        HttpResponse<String> withBase = post("/admin/training/runs", "{\"planName\": \"retriever\", \"base\": " + TINY_BASE + "}");
        assertThat(withBase.statusCode()).isEqualTo(400);
        assertThat(withBase.body()).contains("a retriever plan starts from its own data");

        HttpResponse<String> started = post("/admin/training/runs", "{\"planName\": \"retriever\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        JsonNode run = Http.json(started);
        String id = run.get("id").asString();
        assertThat(run.get("planName").asString()).isEqualTo("retriever");
        assertThat(run.get("stage").asString()).isEqualTo("dense-retriever");
        assertThat(post("/admin/training/runs/" + id + "/cancel", "").statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        JsonNode after = Http.json(get("/admin/training/runs/" + id));
        while (!after.get("state").asString().equals("CANCELLED") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            after = Http.json(get("/admin/training/runs/" + id));
        }
        assertThat(after.get("state").asString()).as(after.toString()).isEqualTo("CANCELLED");
    }

    @Test
    void aBadEvaluationRequestIsA400ProblemAndAnUnknownCheckpointA404() {
        for (String body : List.of("{\"checkpoint\": \"r/c\", \"tasks\": [\"no-such-task\"]}",
                "{\"checkpoint\": \"r/c\", \"tasks\": [\"sst2\"], \"limit\": 0}",
                "{\"checkpoint\": \"r/c\", \"tasks\": [\"sst2\"], \"limit\": \"four\"}",
                "{\"checkpoint\": \"r/c\", \"tasks\": \"sst2\"}",
                "{\"checkpoint\": \"../../etc\", \"tasks\": [\"sst2\"]}",
                "{\"tasks\": [\"sst2\"]}", "[]")) {
            HttpResponse<String> r = post("/admin/evaluations", body);
            assertThat(r.statusCode()).as(body + " → " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
            assertThat(Http.json(r).get("detail").asString()).isNotBlank();
        }
        HttpResponse<String> missing = post("/admin/evaluations", "{\"checkpoint\": \"no-run/no-stage\", \"tasks\": [\"sst2\"]}");
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        assertThat(get("/admin/evaluations/no-such-job").statusCode()).isEqualTo(404);
        assertThat(http.get("/admin/evaluations").statusCode()).isEqualTo(401);
        assertThat(http.postJson("/admin/evaluations", "{}").statusCode()).isEqualTo(401);
    }

    @Test
    void trainingNeedsTheAdmin() {
        assertThat(http.postJson("/admin/training/runs", "{\"planName\": \"tiny\"}").statusCode()).isEqualTo(401);
        assertThat(http.get("/admin/training/runs").statusCode()).isEqualTo(401);
        assertThat(http.get("/admin/checkpoints").statusCode()).isEqualTo(401);
    }

    private JsonNode awaitEnd(String id, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode s = Http.json(get("/admin/training/runs/" + id));
            String state = s.get("state").asString();
            if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                return s;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("run " + id + " did not end within " + limit);
    }
}
