package com.lawyerllama.dataset;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A minimal server of the OpenAI chat-completions protocol on loopback ({@code POST
 * /v1/chat/completions}, non-streaming). Each request's messages go to the responder: canned
 * replies for what a real model's text cannot be steered to do (cite a fabricated article, answer
 * 429 or 400), or a real model's generation.
 */
final class OpenAiStub implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A message of the request. */
    record Message(String role, String content) {
    }

    /** What to answer: a completion ({@code status} 200) or an error with that status. */
    record Reply(int status, String content, String finishReason, int promptTokens, int completionTokens) {
        /** Token counts: the characters (a canned reply has no tokenizer). */
        static Reply ok(String content) {
            return new Reply(200, content, "stop", -1, -1);
        }

        static Reply error(int status) {
            return new Reply(status, null, null, -1, -1);
        }
    }

    private final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();

    OpenAiStub(Function<List<Message>, Reply> responder) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                requests.incrementAndGet();
                JsonNode body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = JSON.readTree(in);
                }
                List<Message> messages = new ArrayList<>();
                for (JsonNode m : body.get("messages")) {
                    messages.add(new Message(m.get("role").asString(), m.get("content").asString()));
                }
                Reply reply = responder.apply(messages);
                if (reply.status() != 200) {
                    send(exchange, reply.status(), "{\"error\": {\"message\": \"canned " + reply.status()
                            + "\", \"type\": \"test\", \"param\": null, \"code\": null}}");
                    return;
                }
                ObjectNode out = JSON.createObjectNode();
                out.put("id", "chatcmpl-" + requests.get());
                out.put("object", "chat.completion");
                out.put("created", System.currentTimeMillis() / 1000);
                out.put("model", body.path("model").asString("stub"));
                ObjectNode choice = out.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("message").put("role", "assistant").put("content", reply.content());
                choice.put("finish_reason", reply.finishReason());
                int prompt = reply.promptTokens() >= 0 ? reply.promptTokens() : messages.stream().mapToInt(m -> m.content().length()).sum();
                int completion = reply.completionTokens() >= 0 ? reply.completionTokens() : reply.content().length();
                out.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                        .put("total_tokens", prompt + completion);
                send(exchange, 200, JSON.writeValueAsString(out));
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The articles the lawyer prompt gave, as written after {@code ### 参考法条:}. */
    static List<String> givenArticles(List<Message> messages) {
        List<String> out = new ArrayList<>();
        for (Message m : messages) {
            int at = m.content().indexOf("### 参考法条:");
            if (m.role().equals("user") && at >= 0) {
                for (String line : m.content().substring(at).split("\n")) {
                    if (line.startsWith("《")) {
                        out.add(line);
                    }
                }
            }
        }
        return out;
    }

    /** {@code 《民法典》第五百八十六条} of {@code 《民法典》第五百八十六条：text}. */
    static String citation(String article) {
        return article.substring(0, article.indexOf('：'));
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
