package com.lawyerllama.cli;

import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.remote.RemoteChatModel;
import com.lawyerllama.llama.remote.RemoteEndpoint;
import com.lawyerllama.llama.remote.RemoteModelProperties;
import com.lawyerllama.system.Percentiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the remote answering model ({@code lawyer.model.provider=openai}) adds to a request over the
 * model server's own latency: the same streamed chat request, sent alternately through the
 * service's {@link RemoteChatModel} (Spring AI's OpenAI client, as a consultation uses it) and
 * through a plain HTTP client that only reads the stream to its end, against a running
 * OpenAI-compatible server. The order alternates pair by pair, so that drift in the server's speed
 * falls on both. Prints both latencies, the difference per pair, whether the texts agree (at
 * temperature 0 they should), and this process's CPU time per request on each path.
 */
@Command(name = "bench-remote", mixinStandardHelpOptions = true,
        description = "Measures what the remote answering model's client adds over an OpenAI-compatible server's own "
                + "latency (streamed chat, temperature 0) and prints the numbers.")
public final class BenchRemoteCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String SYSTEM = "你是一位专业的中国法律咨询助手，依据中国法律回答用户的问题。";

    @Option(names = "--base-url", required = true, description = "The server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1.")
    String baseUrl;

    @Option(names = "--model", required = true, description = "The model id on that server.")
    String model;

    @Option(names = "--api-key", defaultValue = "", description = "Bearer key, if the server wants one.")
    String apiKey;

    @Option(names = "--requests", defaultValue = "100", description = "Measured pairs (1-10000).")
    int requests;

    @Option(names = "--warm-up", defaultValue = "20", description = "Pairs sent first and not counted (0-1000).")
    int warmUp;

    @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per answer.")
    int maxTokens;

    private record Timing(double totalMs, double firstMs, String text) {
    }

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || requests > 10_000 || warmUp < 0 || warmUp > 1000 || maxTokens < 1 || maxTokens > 8192) {
            throw new UsageException("--requests must be 1-10000, --warm-up 0-1000 and --max-tokens 1-8192");
        }
        RemoteChatModel remote = new RemoteChatModel(new RemoteEndpoint(baseUrl, apiKey, model), new RemoteModelProperties(
                Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(300), 10, Duration.ofSeconds(3)));
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Double> plainMs = new ArrayList<>();
        List<Double> remoteMs = new ArrayList<>();
        List<Double> plainFirst = new ArrayList<>();
        List<Double> remoteFirst = new ArrayList<>();
        List<Double> differences = new ArrayList<>();
        long plainCpu = 0;
        long remoteCpu = 0;
        int same = 0;
        for (int i = 0; i < warmUp + requests; i++) {
            String question = BenchConsultCommand.QUESTIONS.get(i % BenchConsultCommand.QUESTIONS.size());
            Timing a;
            Timing b;
            long cpuA;
            long cpuB;
            long c0 = os.getProcessCpuTime();
            if (i % 2 == 0) {
                a = viaPlainHttp(plain, question);
                long c1 = os.getProcessCpuTime();
                b = viaRemoteModel(remote, question);
                cpuA = c1 - c0;
                cpuB = os.getProcessCpuTime() - c1;
            } else {
                b = viaRemoteModel(remote, question);
                long c1 = os.getProcessCpuTime();
                a = viaPlainHttp(plain, question);
                cpuB = c1 - c0;
                cpuA = os.getProcessCpuTime() - c1;
            }
            if (i < warmUp) {
                continue;
            }
            plainMs.add(a.totalMs());
            remoteMs.add(b.totalMs());
            plainFirst.add(a.firstMs());
            remoteFirst.add(b.firstMs());
            differences.add(b.totalMs() - a.totalMs());
            plainCpu += cpuA;
            remoteCpu += cpuB;
            same += a.text().strip().equals(b.text().strip()) ? 1 : 0;
        }
        System.out.printf("bench-remote: %s model %s, %d pairs after %d warm-up pairs, max_tokens %d, temperature 0%n",
                baseUrl, model, requests, warmUp, maxTokens);
        print("plain HTTP client (the server's own latency)", plainMs, plainFirst, plainCpu);
        print("remote model (RemoteChatModel, Spring AI)", remoteMs, remoteFirst, remoteCpu);
        double mean = differences.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double sd = Math.sqrt(differences.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum()
                / Math.max(1, differences.size() - 1));
        double half = 1.96 * sd / Math.sqrt(differences.size());
        System.out.printf("remote minus plain, per pair: median %+.1f ms, mean %+.1f ms [95%% CI %+.1f, %+.1f]%n",
                Percentiles.of(differences.stream().sorted().toList(), 0.5), mean, mean - half, mean + half);
        System.out.printf("same text on both paths: %d of %d%n", same, requests);
        return 0;
    }

    private static void print(String label, List<Double> totals, List<Double> firsts, long cpuNanos) {
        List<Double> sorted = totals.stream().sorted().toList();
        System.out.printf("%s:%n  latency ms: mean %.1f, p50 %.1f, p90 %.1f, p99 %.1f; first text p50 %.1f; client CPU %.1f ms per request%n",
                label, totals.stream().mapToDouble(Double::doubleValue).average().orElse(0), Percentiles.of(sorted, 0.5),
                Percentiles.of(sorted, 0.9), Percentiles.of(sorted, 0.99),
                Percentiles.of(firsts.stream().sorted().toList(), 0.5), cpuNanos / 1e6 / totals.size());
    }

    private List<Message> messages(String question) {
        return List.of(new SystemMessage(SYSTEM), new UserMessage(question));
    }

    private Timing viaRemoteModel(RemoteChatModel remote, String question) {
        long start = System.nanoTime();
        long[] first = {0};
        GenerationResult result = remote.submit(messages(question), GenerationOptions.defaults().withMaxNewTokens(maxTokens)
                .withTemperature(0), (id, text) -> {
                    if (first[0] == 0) {
                        first[0] = System.nanoTime();
                    }
                }).result().join();
        long end = System.nanoTime();
        return new Timing((end - start) / 1e6, first[0] == 0 ? 0 : (first[0] - start) / 1e6, result.text());
    }

    /** The same request as {@link RemoteChatModel#submit} sends, read line by line to the end of the stream. */
    private Timing viaPlainHttp(HttpClient client, String question) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", model, "stream", true, "max_tokens", maxTokens,
                "temperature", 0, "top_p", GenerationOptions.defaults().topP(),
                "stream_options", Map.of("include_usage", true),
                "messages", List.of(Map.of("role", "system", "content", SYSTEM), Map.of("role", "user", "content", question))));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        long start = System.nanoTime();
        long first = 0;
        StringBuilder text = new StringBuilder();
        HttpResponse<java.io.InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(baseUrl + " answered " + response.statusCode());
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode delta = JSON.readTree(line.substring(6)).path("choices").path(0).path("delta").path("content");
                if (delta.isString() && !delta.asString().isEmpty()) {
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                    text.append(delta.asString());
                }
            }
        }
        long end = System.nanoTime();
        return new Timing((end - start) / 1e6, first == 0 ? 0 : (first - start) / 1e6, text.toString());
    }
}
