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
 * A bounded load test of {@code POST /consult} on a running service (loopback only): a fixed
 * number of concurrent clients for a fixed time. Prints throughput, latency percentiles, errors
 * by status, and the service's own overhead: everything except retrieval and model time.
 */
@Command(name = "bench-consult", mixinStandardHelpOptions = true,
        description = "Load-tests POST /consult on a running service on this machine and prints the numbers.")
public final class BenchConsultCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final List<String> QUESTIONS = List.of(
            "我交了定金，商家违约了，能要求双倍返还吗？",
            "公司拖欠工资三个月，我可以解除劳动合同并要求经济补偿吗？",
            "离婚时夫妻共同财产怎么分割？",
            "邻居装修把我家墙面弄裂了，可以要求赔偿吗？",
            "借给朋友的钱没有写借条，还能要回来吗？",
            "租房合同没到期房东要收回房子，我该怎么办？");

    @Option(names = "--port", defaultValue = "8080", description = "Port of the service on 127.0.0.1 (default 8080).")
    int port;

    @Option(names = "--concurrency", defaultValue = "4", description = "Concurrent clients (1-64).")
    int concurrency;

    @Option(names = "--duration", defaultValue = "60", description = "Seconds to run (1-600).")
    int durationSeconds;

    @Option(names = "--max-tokens", defaultValue = "32", description = "maxTokens per answer.")
    int maxTokens;

    private record Sample(int status, double latencyMs, long retrievalMs, long generationMs, long serviceTotalMs) {
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || concurrency > 64 || durationSeconds < 1 || durationSeconds > 600) {
            throw new UsageException("--concurrency must be 1-64 and --duration 1-600 seconds");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/consult");
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long started = System.nanoTime();
        for (int c = 0; c < concurrency; c++) {
            int worker = c;
            pool.submit(() -> {
                for (int i = worker; System.nanoTime() < deadline; i += concurrency) {
                    String body = JSON.writeValueAsString(Map.of("question", QUESTIONS.get(i % QUESTIONS.size()),
                            "maxTokens", maxTokens, "temperature", 0));
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                        double latency = (System.nanoTime() - t0) / 1e6;
                        if (response.statusCode() == 200) {
                            JsonNode timings = JSON.readTree(response.body()).path("timings");
                            samples.add(new Sample(200, latency, timings.path("retrievalMs").asLong(),
                                    timings.path("generationMs").asLong(), timings.path("totalMs").asLong()));
                        } else {
                            samples.add(new Sample(response.statusCode(), latency, 0, 0, 0));
                        }
                    } catch (Exception e) {
                        samples.add(new Sample(-1, (System.nanoTime() - t0) / 1e6, 0, 0, 0));
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(durationSeconds + 600L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;

        List<Sample> ok = samples.stream().filter(s -> s.status() == 200).toList();
        Map<Integer, Integer> errors = new TreeMap<>();
        samples.stream().filter(s -> s.status() != 200).forEach(s -> errors.merge(s.status(), 1, Integer::sum));
        List<Double> latencies = ok.stream().map(Sample::latencyMs).sorted().toList();
        double totalLatency = ok.stream().mapToDouble(Sample::latencyMs).sum();
        double retrieval = ok.stream().mapToDouble(Sample::retrievalMs).sum();
        double model = ok.stream().mapToDouble(Sample::generationMs).sum();
        double overhead = totalLatency - retrieval - model;
        System.out.printf("consultations: %d ok, %d errors %s in %.1f s at concurrency %d (maxTokens %d)%n",
                ok.size(), samples.size() - ok.size(), errors.isEmpty() ? "" : errors, elapsed, concurrency, maxTokens);
        System.out.printf("throughput: %.2f consultations/s%n", ok.size() / elapsed);
        System.out.printf("latency ms: p50 %.0f, p90 %.0f, p99 %.0f, max %.0f%n", Percentiles.of(latencies, 0.5),
                Percentiles.of(latencies, 0.9), Percentiles.of(latencies, 0.99), Percentiles.of(latencies, 1.0));
        if (!ok.isEmpty()) {
            System.out.printf("share of latency: retrieval %.1f%%, model %.1f%%, service overhead %.1f%% "
                            + "(everything else: HTTP, queueing for a model slot, prompt, citation check, storing the turn)%n",
                    100 * retrieval / totalLatency, 100 * model / totalLatency, 100 * overhead / totalLatency);
        }
        return 0;
    }

}
