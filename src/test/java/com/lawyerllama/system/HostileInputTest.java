package com.lawyerllama.system;


import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A bounded hostile-input probe on loopback: a few hundred malformed or hostile requests over
 * every endpoint (the admin API with valid credentials, so they reach the handlers), drawn from
 * the classes that once got 5xx, HTML or empty error bodies: bad percent-encoding, invalid and
 * overlong UTF-8, NUL and control characters, unpaired surrogates, huge numbers, deep nesting,
 * traversal, malformed JSON and wrong JSON types, and protocol oddities sent over a raw socket.
 * Every answer must be below 500 (or a 503 with Retry-After), every error a problem-details
 * body without Java class names, and the log must hold no stack trace.
 */
@IntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class HostileInputTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern JAVA_NAMES = Pattern.compile(
            "(java|javax|jakarta|tools\\.jackson|com\\.lawyerllama|org\\.(apache|springframework))\\.[a-z]|Exception|\\tat ");
    /** The container's own answers that are written before any valve or filter can shape them (docs/security.md). */
    private static final List<String> CONTAINER_ONLY = List.of();

    @LocalServerPort
    int port;

    private final List<RawHttp.Response> responses = new ArrayList<>();
    private final SoftAssertions softly = new SoftAssertions();
    private RawHttp raw;
    private String basic;

    @Test
    void hostileRequestsGetProblemDetailsNever5xxAndLeaveNoStackTrace(CapturedOutput output) {
        raw = new RawHttp(port);
        basic = "Authorization: " + Http.basic("admin", IntegrationTest.ADMIN_PASSWORD);
        long started = System.nanoTime();

        badQueries();
        oddPaths();
        protocolOddities();
        malformedBodies();
        adminFieldsThatWereServerErrors();
        limitsCountCharacters();

        double seconds = (System.nanoTime() - started) / 1e9;
        Map<Integer, Integer> statuses = new TreeMap<>();
        responses.forEach(r -> statuses.merge(r.status(), 1, Integer::sum));
        System.out.printf("hostile input: %d requests in %.1f s, statuses %s%n", responses.size(), seconds, statuses);

        List<String> failures = new ArrayList<>();
        for (RawHttp.Response r : responses) {
            String problem = check(r);
            if (problem != null) {
                failures.add(problem + ": " + r);
            }
        }
        softly.assertThat(failures).as("responses that are 5xx, not problem details, or name Java classes").isEmpty();
        softly.assertThat(responses.size()).isBetween(300, 1000);
        String log = output.getAll();
        softly.assertThat(log).as("the log holds no stack trace").doesNotContain("\tat ").doesNotContain("Caused by:");
        softly.assertAll();
    }

    private String check(RawHttp.Response r) {
        if (r.status() < 0) {
            return CONTAINER_ONLY.stream().anyMatch(r.request()::startsWith) ? null : "no response";
        }
        if (r.status() >= 500 && !(r.status() == 503 && r.header("Retry-After").isPresent())) {
            return "server error";
        }
        if (r.status() < 400) {
            return null;
        }
        if (!r.header("Content-Type").orElse("").startsWith("application/problem+json")) {
            return "not problem+json";
        }
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (RuntimeException e) {
            return "body is not JSON";
        }
        if (body.path("status").asInt() != r.status() || body.path("title").asString("").isEmpty()) {
            return "problem without its status or title";
        }
        if (JAVA_NAMES.matcher(r.body()).find()) {
            return "names Java internals";
        }
        return null;
    }

    private void add(RawHttp.Response response) {
        responses.add(response);
    }

    private RawHttp.Response addExpecting(int status, RawHttp.Response response) {
        add(response);
        softly.assertThat(response.status()).as(response.toString()).isEqualTo(status);
        return response;
    }

    private void badQueries() {
        List<String> endpoints = List.of("/articles/search", "/articles/x", "/actuator/health", "/actuator/health/liveness",
                "/conversations/x", "/", "/index.html", "/login", "/csrf", "/admin/training/runs", "/admin/checkpoints",
                "/admin/retriever/embed", "/admin/corpus/import", "/admin/training/runs/nope", "/no/such/route");
        List<String> queries = List.of("q=%FF", "q=%", "q=%zz", "q=%C0%AF", "q=%ED%A0%80", "q=%F4%90%80%80", "q=%00",
                "q=a%01b", "k=%ff", "x=%ff&q=a", "k=99999999999999999999", "k=-1", "k=abc", "q=" + "a".repeat(5000));
        for (String endpoint : endpoints) {
            for (String query : queries) {
                add(endpoint.startsWith("/admin") ? raw.get(endpoint + "?" + query, basic) : raw.get(endpoint + "?" + query));
            }
        }
        for (String query : List.of("q=%FF", "q=%", "q=%zz", "q=%C0%AF", "q=%00")) {
            RawHttp.Response r = addExpecting(400, raw.get("/articles/search?" + query));
            softly.assertThat(r.body()).contains("query string");
        }
        addExpecting(400, raw.get("/actuator/health?x=%ff"));
    }

    private void oddPaths() {
        for (String path : List.of("/articles/%2F", "/articles/a%5Cb", "/articles/%00", "/articles/%FF", "/articles/%C0%AF",
                "/articles/..%2F..%2Fetc%2Fpasswd", "/../../etc/passwd", "/admin/../admin.html", "/%2e%2e/admin.html",
                "/admin.html;jsessionid=1", "//admin.html", "/admin%2Ehtml", "/error", "/error?x=1",
                "/articles/" + "x".repeat(300), "/articles/%E2%80%AE", "/WEB-INF/web.xml", "/META-INF/MANIFEST.MF",
                "/articles/a\\b", "/articles/%25", "/articles/%u0041", "/articles/;x=1", "/./articles/search?q=a",
                "/articles/%0d%0aSet-Cookie:%20x=1", "/" + "a".repeat(70_000))) {
            add(raw.get(path));
        }
        addExpecting(404, raw.get("/error"));
    }

    private void protocolOddities() {
        String host = "Host: 127.0.0.1:" + port;
        StringBuilder manyHeaders = new StringBuilder("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close");
        for (int i = 0; i < 150; i++) {
            manyHeaders.append("\r\nX-H").append(i).append(": v");
        }
        add(raw.send(manyHeaders.toString(), null));
        add(raw.get("/articles/search?q=a", "X-Big: " + "b".repeat(70_000)));
        byte[] json = "{\"question\":\"合同\"}".getBytes(StandardCharsets.UTF_8);
        String consult = "POST /consult HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nContent-Type: application/json\r\n";
        add(raw.send(consult + "Content-Length: abc", json));
        add(raw.send(consult + "Content-Length: -1", json));
        add(raw.send(consult + "Content-Length: 99999999999999999999", json));
        add(raw.send(consult + "Content-Length: 5\r\nContent-Length: 7", json));
        add(raw.send(consult + "Transfer-Encoding: gzip", json));
        add(raw.send(consult + "Transfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        add(raw.send(consult + "Content-Length: " + json.length + "\r\nExpect: bogus", json));
        add(raw.send(consult + "Content-Length: " + json.length + "\r\nAccept: ;;;", json));
        add(raw.send(consult + "Content-Length: " + json.length + "\r\nAccept: image/png", json));
        add(raw.send(consult.replace("application/json", "a/b/c") + "Content-Length: " + json.length, json));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/2.0\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.2\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.0", null));
        add(raw.send("G\u0001T /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("get /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("FOO /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("TRACE / HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("OPTIONS * HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET http://evil.example/articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1 extra\r\n" + host + "\r\nConnection: close", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nX-Null: a\u0000b", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nBad Header: x", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nX-Fold: a\r\n b", null));
        add(raw.send("GET /index.html HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nRange: bytes=abc", null));
        add(raw.send("GET /index.html HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nIf-Modified-Since: yesterday", null));
        add(raw.send("GET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close\r\nX-Request-Id: ../../\u00ff", null));
        byte[] rawQuery = RawHttp.concat("GET /articles/search?q=".getBytes(StandardCharsets.ISO_8859_1),
                new byte[] {(byte) 0xff, (byte) 0xc0, (byte) 0xaf});
        add(raw.send(RawHttp.concat(rawQuery, (" HTTP/1.1\r\n" + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)), "GET raw-bytes-query"));
        byte[] rawPath = RawHttp.concat("GET /articles/".getBytes(StandardCharsets.ISO_8859_1), new byte[] {(byte) 0xff});
        add(raw.send(RawHttp.concat(rawPath, (" HTTP/1.1\r\n" + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)), "GET raw-bytes-path"));
        add(raw.send(("\r\n\r\nGET /articles/search?q=a HTTP/1.1\r\n" + host + "\r\nConnection: close"), null));
    }

    private static final List<byte[]> BODIES = bodies();

    private static List<byte[]> bodies() {
        List<byte[]> bodies = new ArrayList<>();
        for (String text : List.of("{", "[]", "\"x\"", "null", "{} x", "{\"question\":1}", "{\"question\":[\"a\"]}",
                "{\"question\":{}}", "{\"question\":\"\\u0000\"}", "{\"question\":\"\\ud800\"}", "{\"question\":\"\\udc00x\"}",
                "{\"\\u0000\":\"q\"}", "{\"question\":\"q\",\"maxTokens\":1e308}",
                "{\"question\":\"q\",\"maxTokens\":99999999999999999999999}", "{\"question\":\"q\",\"temperature\":\"NaN\"}",
                "{\"question\":\"q\",\"temperature\":1e999}", "{\"question\":\"q\",\"topP\":[]}",
                "{\"a\":" + "1".repeat(5000) + "}", "{\"question\":\"q\",\"question\":\"r\",\"maxTokens\":0}",
                "[".repeat(3000) + "]".repeat(3000), "{\"a\":".repeat(1500) + "1" + "}".repeat(1500),
                "\uFEFF{\"question\":\"q\",\"maxTokens\":-5}", "{\"question\":\"q\" /* c */}", "{'question':'q'}")) {
            bodies.add(text.getBytes(StandardCharsets.UTF_8));
        }
        bodies.add(bytes("{\"question\":\"a", 0xc0, 0xaf, "b\"}"));
        bodies.add(bytes("{\"question\":\"a", 0xf4, 0x90, 0x80, 0x80, "\"}"));
        bodies.add(bytes("{\"question\":\"a", 0xed, 0xa0, 0x80, "\"}"));
        bodies.add(bytes("{\"question\":\"", 0xff, 0xfe, "\"}"));
        bodies.add(bytes("{\"question\":\"a", 0xe4, 0xb8, "\"}"));
        return bodies;
    }

    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    private void malformedBodies() {
        String json = "Content-Type: application/json";
        for (String endpoint : List.of("/consult", "/admin/training/runs", "/admin/model/activate", "/admin/corpus/import",
                "/admin/retriever/activate", "/admin/retrieval/eval")) {
            boolean admin = endpoint.startsWith("/admin");
            for (byte[] body : BODIES) {
                add(admin ? raw.request("POST", endpoint, body, json, basic) : raw.request("POST", endpoint, body, json));
            }
            byte[] valid = "{\"question\":\"q\"}".getBytes(StandardCharsets.UTF_8);
            for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/xml", "application/json; charset=ISO-8859-1")) {
                add(admin ? raw.request("POST", endpoint, valid, "Content-Type: " + type, basic)
                        : raw.request("POST", endpoint, valid, "Content-Type: " + type));
            }
        }
        // Over the body limit, declared and chunked.
        byte[] big = ("{\"question\":\"" + "长".repeat(6000) + "\"}").getBytes(StandardCharsets.UTF_8);
        addExpecting(413, raw.request("POST", "/consult", big, json));
        // Invalid UTF-8 and unpaired surrogates are refused, naming the field.
        softly.assertThat(addExpecting(400, raw.request("POST", "/consult", bytes("{\"question\":\"a", 0xc0, 0xaf, "b\"}"), json))
                .body()).contains("UTF-8");
        softly.assertThat(addExpecting(400, raw.request("POST", "/consult", "{\"question\":\"\\ud800\"}".getBytes(StandardCharsets.UTF_8), json))
                .body()).contains("question").contains("unpaired surrogate");
        softly.assertThat(addExpecting(400, raw.request("POST", "/consult", "{\"question\":[\"a\"]}".getBytes(StandardCharsets.UTF_8), json))
                .body()).contains("question").contains("expected a string");
        for (String method : List.of("PUT", "PATCH", "DELETE")) {
            add(raw.request(method, "/consult", "{".getBytes(StandardCharsets.UTF_8), json));
            add(raw.request(method, "/admin/training/runs", "{".getBytes(StandardCharsets.UTF_8), json, basic));
        }
        add(raw.request("DELETE", "/conversations/%00", new byte[0]));
        add(raw.request("DELETE", "/conversations/" + "x".repeat(5000), new byte[0]));
        add(raw.request("POST", "/admin/training/runs/nope/cancel", new byte[0], basic));
        add(raw.request("POST", "/admin/retriever/embed", "{".getBytes(StandardCharsets.UTF_8), json, basic));
    }

    /** Each once answered 500 (InvalidPathException, NullPointerException) or a 400 with Java class names. */
    private void adminFieldsThatWereServerErrors() {
        String json = "Content-Type: application/json";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("/admin/model/activate", "{\"checkpoint\":\"a\\u0000b\"}|checkpoint");
        cases.put("/admin/corpus/import", "{\"path\":\"a\\u0000b\"}|path");
        cases.put("/admin/retriever/activate", "{\"path\":\"a\\u0000b\"}|path");
        cases.put("/admin/retrieval/eval", "{\"set\":\"a\\u0000b\"}|set");
        cases.put("/admin/training/runs", "{\"planName\":\"tiny\",\"base\":{\"path\":\"a\\u0000b\"}}|base.path");
        for (var c : cases.entrySet()) {
            String[] bodyAndField = c.getValue().split("\\|");
            RawHttp.Response r = addExpecting(400, raw.request("POST", c.getKey(),
                    bodyAndField[0].getBytes(StandardCharsets.UTF_8), json, basic));
            softly.assertThat(r.body()).contains("'" + bodyAndField[1] + "'").contains("NUL");
        }
        for (String plan : List.of(
                "{\"plan\":{\"stages\":[{\"name\":\"s\",\"objective\":\"sft\",\"steps\":1,\"datasets\":[{\"path\":\"x\"}]}]}}|format is missing",
                "{\"plan\":{\"stages\":[{\"name\":\"s\",\"datasets\":[{\"path\":\"a\\u0000b\",\"format\":\"alpaca\"}]}]}}|plan.stages[0].datasets[0].path",
                "{\"plan\":{\"stages\":[null]}}|stages",
                "{\"plan\":{\"stages\":[{\"datasets\":[null]}]}}|datasets",
                "{\"plan\":{\"stages\":\"x\"}}|expected an array",
                "{\"plan\":{\"stages\":[{\"steps\":\"many\"}]}}|expected an integer",
                "{\"plan\":{\"seed\":{}}}|expected an integer",
                "{\"plan\":[]}|plan",
                "{\"plan\":{\"nope\":1}}|unknown field 'nope'",
                "{\"plan\":{\"stages\":[]},\"base\":[]}|base")) {
            String[] bodyAndText = plan.split("\\|");
            RawHttp.Response r = addExpecting(400, raw.request("POST", "/admin/training/runs",
                    bodyAndText[0].getBytes(StandardCharsets.UTF_8), json, basic));
            softly.assertThat(r.body()).contains(bodyAndText[1]);
        }
        RawHttp.Response nullK = addExpecting(400, raw.request("POST", "/admin/retrieval/eval",
                "{\"set\":\"/no/such/file.json\",\"k\":[null]}".getBytes(StandardCharsets.UTF_8), json, basic));
        softly.assertThat(nullK.body()).contains("k");
    }

    /** Limits count characters (code points), as their messages say, not UTF-16 units. */
    private void limitsCountCharacters() {
        String json = "Content-Type: application/json";
        String emoji = "😀";
        RawHttp.Response within = raw.request("POST", "/consult",
                ("{\"question\":\"" + emoji.repeat(1001) + "\"}").getBytes(StandardCharsets.UTF_8), json);
        add(within);
        softly.assertThat(within.body()).doesNotContain("longer than");
        RawHttp.Response over = addExpecting(400, raw.request("POST", "/consult",
                ("{\"question\":\"" + emoji.repeat(2001) + "\"}").getBytes(StandardCharsets.UTF_8), json));
        softly.assertThat(over.body()).contains("longer than 2000 characters");
    }
}
