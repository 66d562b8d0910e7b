package com.lawyerllama.cli;

import com.lawyerllama.system.Percentiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A bounded load test of the consultation on running services (loopback only): a fixed number of
 * concurrent clients for a fixed time, over one or more targets: {@code POST /consult}
 * ({@code --api consult}) or the OpenAI-compatible {@code POST /v1/chat/completions} with the
 * consultation model ({@code --api openai}), on {@code --port}, and any {@code --compare api:port}
 * beside it (for example the OpenAI API against /consult on the same service, or a service whose
 * answering model is remote against its upstream). Requests to the targets are interleaved, so
 * that each sees the same load and the same machine. Prints, per target, throughput, latency
 * percentiles and errors by status, the difference of each target's mean latency from the first's,
 * and, for {@code /consult}, the service's own overhead: everything except retrieval and model time.
 */
@Command(name = "bench-consult", mixinStandardHelpOptions = true,
        description = "Load-tests the consultation (POST /consult or POST /v1/chat/completions) on running services "
                + "on this machine and prints the numbers.")
public final class BenchConsultCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    static final List<String> QUESTIONS = List.of(
            "我交了定金，商家违约了，能要求双倍返还吗？",
            "公司拖欠工资三个月，我可以解除劳动合同并要求经济补偿吗？",
            "离婚时夫妻共同财产怎么分割？",
            "邻居装修把我家墙面弄裂了，可以要求赔偿吗？",
            "借给朋友的钱没有写借条，还能要回来吗？",
            "租房合同没到期房东要收回房子，我该怎么办？");

    @Option(names = "--port", defaultValue = "8080", description = "Port of the service on 127.0.0.1 (default 8080).")
    int port;

    @Option(names = "--api", defaultValue = "consult",
            description = "consult (POST /consult) or openai (POST /v1/chat/completions, model --model); default consult.")
    String api;

    @Option(names = "--compare", description = "Another target, api:port (e.g. openai:8080 or consult:8081), run "
            + "interleaved with the first; repeatable.")
    List<String> compare = new ArrayList<>();

    @Option(names = "--model", defaultValue = "lawyer-llama-rag", description = "The /v1 model (default lawyer-llama-rag).")
    String model;

    @Option(names = "--api-key", description = "Bearer key for /v1 (lawyer.openai.api-keys), if the service wants one.")
    String apiKey;

    @Option(names = "--concurrency", defaultValue = "4", description = "Concurrent clients (1-64).")
    int concurrency;

    @Option(names = "--duration", defaultValue = "60", description = "Seconds to run (1-600).")
    int durationSeconds;

    @Option(names = "--max-tokens", defaultValue = "32", description = "maxTokens per answer.")
    int maxTokens;

    @Option(names = "--warm-up", defaultValue = "0",
            description = "Requests per target sent first and not counted (JIT and caches warm up in every service on the path).")
    int warmUp;

    private record Target(String api, int port) {
        String label() {
            return api + "@" + port;
        }
    }

    private record Sample(int target, int status, double latencyMs, long retrievalMs, long generationMs,
                          String question, String answer, int completionTokens) {
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || concurrency > 64 || durationSeconds < 1 || durationSeconds > 600 || warmUp < 0 || warmUp > 1000) {
            throw new UsageException("--concurrency must be 1-64, --duration 1-600 seconds and --warm-up 0-1000 requests");
        }
        List<Target> targets = new ArrayList<>();
        targets.add(target(api, port));
        for (String other : compare) {
            String[] parts = other.split(":");
            if (parts.length != 2) {
                throw new UsageException("--compare takes api:port, e.g. openai:8080");
            }
            try {
                targets.add(target(parts[0], Integer.parseInt(parts[1])));
            } catch (NumberFormatException e) {
                throw new UsageException("--compare takes api:port, e.g. openai:8080");
            }
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int w = 0; w < warmUp; w++) {
            for (Target target : targets) {
                once(client, 0, target, QUESTIONS.get(w % QUESTIONS.size()));
            }
        }
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long started = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        for (int c = 0; c < concurrency; c++) {
            pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    // Request n goes to target n mod targets: every question reaches every target, in turn.
                    long n = next.getAndIncrement();
                    int t = (int) (n % targets.size());
                    String question = QUESTIONS.get((int) ((n / targets.size()) % QUESTIONS.size()));
                    samples.add(once(client, t, targets.get(t), question));
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(durationSeconds + 600L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;

        System.out.printf("bench-consult: %d target(s) interleaved for %.1f s at concurrency %d, maxTokens %d, after %d warm-up requests each%n",
                targets.size(), elapsed, concurrency, maxTokens, warmUp);
        double firstMean = Double.NaN;
        for (int t = 0; t < targets.size(); t++) {
            int index = t;
            List<Sample> mine = samples.stream().filter(s -> s.target() == index).toList();
            List<Sample> ok = mine.stream().filter(s -> s.status() == 200).toList();
            Map<Integer, Integer> errors = new TreeMap<>();
            mine.stream().filter(s -> s.status() != 200).forEach(s -> errors.merge(s.status(), 1, Integer::sum));
            List<Double> latencies = ok.stream().map(Sample::latencyMs).sorted().toList();
            double totalLatency = ok.stream().mapToDouble(Sample::latencyMs).sum();
            double mean = ok.isEmpty() ? Double.NaN : totalLatency / ok.size();
            System.out.printf("%s: %d ok, %d errors %s; %.2f consultations/s%n", targets.get(t).label(), ok.size(),
                    mine.size() - ok.size(), errors.isEmpty() ? "" : errors, ok.size() / elapsed);
            System.out.printf("  latency ms: mean %.1f, p50 %.0f, p90 %.0f, p99 %.0f, max %.0f%n", mean,
                    Percentiles.of(latencies, 0.5), Percentiles.of(latencies, 0.9), Percentiles.of(latencies, 0.99),
                    Percentiles.of(latencies, 1.0));
            System.out.printf("  completion tokens: mean %.1f%n", ok.stream().mapToInt(Sample::completionTokens).average().orElse(0));
            if (t == 0) {
                firstMean = mean;
            } else {
                System.out.printf("  mean vs %s: %+.1f ms (%+.2f%%)%n", targets.get(0).label(), mean - firstMean,
                        100 * (mean - firstMean) / firstMean);
                // At temperature 0 both targets should give the same answer to a question: then the
                // difference in latency is the path's, not a longer or shorter answer's.
                Map<String, String> firstAnswers = new HashMap<>();
                samples.stream().filter(s -> s.target() == 0 && s.status() == 200)
                        .forEach(s -> firstAnswers.putIfAbsent(s.question(), s.answer()));
                long compared = ok.stream().filter(s -> firstAnswers.containsKey(s.question())).count();
                long same = ok.stream().filter(s -> s.answer() != null && s.answer().strip()
                        .equals(firstAnswers.getOrDefault(s.question(), "\0").strip())).count();
                System.out.printf("  answers identical to %s's for the same question: %d of %d%n", targets.get(0).label(),
                        same, compared);
            }
            if (!ok.isEmpty() && "consult".equals(targets.get(t).api())) {
                double retrieval = ok.stream().mapToDouble(Sample::retrievalMs).sum();
                double model = ok.stream().mapToDouble(Sample::generationMs).sum();
                double overhead = totalLatency - retrieval - model;
                System.out.printf("  share of latency: retrieval %.1f%%, model %.1f%%, service overhead %.1f%% "
                                + "(everything else: HTTP, queueing for a model slot, prompt, citation check, storing the turn)%n",
                        100 * retrieval / totalLatency, 100 * model / totalLatency, 100 * overhead / totalLatency);
            }
        }
        return 0;
    }

    private static Target target(String api, int port) {
        if (!"consult".equals(api) && !"openai".equals(api)) {
            throw new UsageException("--api is consult or openai, not " + api);
        }
        return new Target(api, port);
    }

    private Sample once(HttpClient client, int index, Target target, String question) {
        boolean openai = "openai".equals(target.api());
        String body = openai
                ? JSON.writeValueAsString(Map.of("model", model, "max_tokens", maxTokens, "temperature", 0,
                        "messages", List.of(Map.of("role", "user", "content", question))))
                : JSON.writeValueAsString(Map.of("question", question, "maxTokens", maxTokens, "temperature", 0));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port()
                        + (openai ? "/v1/chat/completions" : "/consult")))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (openai && apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            double latency = (System.nanoTime() - t0) / 1e6;
            if (response.statusCode() != 200) {
                return new Sample(index, response.statusCode(), latency, 0, 0, question, null, 0);
            }
            JsonNode json = JSON.readTree(response.body());
            JsonNode timings = json.path("timings");
            String answer = openai ? json.path("choices").path(0).path("message").path("content").asString()
                    : json.path("answer").asString();
            int tokens = json.path("usage").path(openai ? "completion_tokens" : "completionTokens").asInt();
            return new Sample(index, 200, latency, timings.path("retrievalMs").asLong(), timings.path("generationMs").asLong(),
                    question, answer, tokens);
        } catch (Exception e) {
            return new Sample(index, -1, (System.nanoTime() - t0) / 1e6, 0, 0, question, null, 0);
        }
    }
}
