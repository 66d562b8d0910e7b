package com.lawyerllama.training;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the dataset formats a plan may name into {@link Example}s. A malformed record is counted
 * and reported with its position ({@code file:line} or {@code file#index}); it never stops a read.
 *
 * <ul>
 *   <li>{@code text}: a plain text file, documents separated by blank lines</li>
 *   <li>{@code jsonl-text}: JSON lines with a {@code text} field (other fields ignored)</li>
 *   <li>{@code statutes}: a LawRefBook Markdown folder; current articles of a law grouped into paragraph-sized documents</li>
 *   <li>{@code alpaca}: a JSON array of {@code {instruction, input, output, history?: [[q, a], …]}}</li>
 *   <li>{@code input-output}: a JSON array of {@code {input, output}} (e.g. fakao_gpt4.json)</li>
 *   <li>{@code lawyer-llama-multi-turn}: {@code {query, laws[], history["[客户] …", "[律师] …", …]}}; every 律师 turn is a target</li>
 *   <li>{@code lawyer-llama-rag}: {@code {query, laws[], response}}</li>
 *   <li>{@code sharegpt}: {@code {"conversations": [{"from": "human"|"gpt"|…, "value"}]}}</li>
 * </ul>
 */
public final class DatasetReaders {
    public static final Set<String> FORMATS = Set.of("text", "jsonl-text", "statutes", "alpaca", "input-output",
            "lawyer-llama-multi-turn", "lawyer-llama-rag", "sharegpt");
    private static final Set<String> TEXT_FORMATS = Set.of("text", "jsonl-text", "statutes");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Statute documents grow by whole articles until they reach this many characters. */
    static final int STATUTE_DOC_CHARS = 600;
    private static final Map<Path, List<Article>> CURRENT_ARTICLES = new ConcurrentHashMap<>();

    private DatasetReaders() {
    }

    public static boolean isText(String format) {
        return TEXT_FORMATS.contains(format);
    }

    /** What a read produced: the records, and every malformed one with its position. */
    public record Read(List<Example> examples, List<String> problems) {
        public int malformed() {
            return problems.size();
        }
    }

    /** Reads {@code file} (a folder for {@code statutes}) in {@code format}; at most {@code limit} records (0: all). */
    public static Read read(String format, Path file, int limit) {
        List<Example> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int max = limit > 0 ? limit : Integer.MAX_VALUE;
        try {
            switch (format) {
                case "text" -> readPlainText(file, max, out);
                case "jsonl-text" -> readJsonLines(file, max, out, problems);
                case "statutes" -> readStatutes(file, max, out);
                case "alpaca", "input-output", "lawyer-llama-multi-turn", "lawyer-llama-rag", "sharegpt" ->
                        readJsonArray(format, file, max, out, problems);
                default -> throw new IllegalArgumentException("unknown dataset format '" + format + "'");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new Read(out, problems);
    }

    private static void readPlainText(Path file, int max, List<Example> out) throws IOException {
        StringBuilder doc = new StringBuilder();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null && out.size() < max; line = r.readLine()) {
                if (line.isBlank()) {
                    flush(doc, out);
                } else {
                    doc.append(doc.isEmpty() ? "" : "\n").append(line);
                }
            }
        }
        if (out.size() < max) {
            flush(doc, out);
        }
    }

    private static void flush(StringBuilder doc, List<Example> out) {
        if (!doc.isEmpty()) {
            out.add(new Example.Text(doc.toString()));
            doc.setLength(0);
        }
    }

    private static void readJsonLines(Path file, int max, List<Example> out, List<String> problems) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = r.readLine(); line != null && out.size() < max; line = r.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    String text = text(n, "text");
                    if (text == null || text.isBlank()) {
                        problems.add(file.getFileName() + ":" + lineNo + ": no \"text\" string");
                    } else {
                        out.add(new Example.Text(text));
                    }
                } catch (RuntimeException e) {
                    problems.add(file.getFileName() + ":" + lineNo + ": not JSON (" + firstLine(e.getMessage()) + ")");
                }
            }
        }
    }

    /** The current articles of a LawRefBook corpus (read once per folder per JVM: the read takes seconds). */
    static List<Article> currentArticles(Path root) {
        return CURRENT_ARTICLES.computeIfAbsent(root.toAbsolutePath().normalize(),
                r -> LawRefBookReader.read(r).uniqueArticles().stream().filter(Article::current).toList());
    }

    private static void readStatutes(Path root, int max, List<Example> out) {
        StringBuilder doc = new StringBuilder();
        String law = null;
        for (Article a : currentArticles(root)) {
            if (out.size() >= max) {
                return;
            }
            if (!a.law().equals(law) || doc.length() >= STATUTE_DOC_CHARS) {
                flush(doc, out);
                law = a.law();
            }
            doc.append(doc.isEmpty() ? "" : "\n").append(a.promptText());
        }
        if (out.size() < max) {
            flush(doc, out);
        }
    }

    private static void readJsonArray(String format, Path file, int max, List<Example> out, List<String> problems)
            throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            problems.add(file.getFileName() + ": not a JSON document (" + firstLine(e.getMessage()) + ")");
            return;
        }
        if (!root.isArray()) {
            problems.add(file.getFileName() + ": expected a JSON array of records");
            return;
        }
        for (int i = 0; i < root.size() && out.size() < max; i++) {
            JsonNode n = root.get(i);
            // judical_examination.json wraps each record in a one-element array
            if (n.isArray() && n.size() == 1) {
                n = n.get(0);
            }
            String at = file.getFileName() + "#" + i + ": ";
            try {
                out.add(switch (format) {
                    case "alpaca" -> alpaca(n);
                    case "input-output" -> single(required(n, "input"), required(n, "output"), List.of());
                    case "lawyer-llama-multi-turn" -> multiTurn(n);
                    case "lawyer-llama-rag" -> single(required(n, "query"), required(n, "response"), laws(n));
                    case "sharegpt" -> shareGpt(n);
                    default -> throw new IllegalStateException(format);
                });
            } catch (MalformedRecord e) {
                problems.add(at + e.getMessage());
            }
        }
    }

    private static Example alpaca(JsonNode n) {
        String instruction = required(n, "instruction");
        String input = text(n, "input");
        String question = input == null || input.isBlank() ? instruction : instruction + "\n" + input;
        List<Example.Turn> turns = new ArrayList<>();
        JsonNode history = n.get("history");
        if (history != null && !history.isNull()) {
            if (!history.isArray()) {
                throw new MalformedRecord("\"history\" must be an array of [question, answer] pairs");
            }
            for (JsonNode pair : history) {
                if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isString() || !pair.get(1).isString()) {
                    throw new MalformedRecord("\"history\" entries must be [question, answer] string pairs");
                }
                turns.add(new Example.Turn(pair.get(0).asString(), pair.get(1).asString()));
            }
        }
        turns.add(new Example.Turn(question, required(n, "output")));
        return new Example.Dialogue(turns, List.of());
    }

    private static Example single(String question, String answer, List<String> articles) {
        return new Example.Dialogue(List.of(new Example.Turn(question, answer)), articles);
    }

    private static Example multiTurn(JsonNode n) {
        JsonNode history = n.get("history");
        if (history == null || !history.isArray() || history.isEmpty()) {
            throw new MalformedRecord("missing \"history\" array");
        }
        List<Example.Turn> turns = new ArrayList<>();
        for (int i = 0; i + 1 < history.size(); i += 2) {
            String client = history.get(i).asString("");
            String lawyer = history.get(i + 1).asString("");
            if (!client.startsWith("[客户]") || !lawyer.startsWith("[律师]")) {
                throw new MalformedRecord("history[" + i + "] must alternate \"[客户] …\" and \"[律师] …\"");
            }
            turns.add(new Example.Turn(client.substring(4).strip(), lawyer.substring(4).strip()));
        }
        if (turns.isEmpty()) {
            throw new MalformedRecord("no complete [客户]/[律师] exchange in \"history\"");
        }
        return new Example.Dialogue(turns, laws(n));
    }

    private static Example shareGpt(JsonNode n) {
        JsonNode conv = n.get("conversations");
        if (conv == null || !conv.isArray()) {
            throw new MalformedRecord("missing \"conversations\" array");
        }
        List<Example.Turn> turns = new ArrayList<>();
        String pending = null;
        for (JsonNode m : conv) {
            String from = m.path("from").asString("");
            String value = m.path("value").asString(null);
            if (value == null) {
                throw new MalformedRecord("a message has no \"value\"");
            }
            switch (from) {
                case "system" -> { }
                case "human", "user" -> {
                    if (pending != null) {
                        throw new MalformedRecord("two human messages in a row");
                    }
                    pending = value;
                }
                case "gpt", "assistant" -> {
                    if (pending == null) {
                        throw new MalformedRecord("an assistant message without a question before it");
                    }
                    turns.add(new Example.Turn(pending, value));
                    pending = null;
                }
                default -> throw new MalformedRecord("unknown speaker \"" + from + "\"");
            }
        }
        if (turns.isEmpty()) {
            throw new MalformedRecord("no question/answer pair");
        }
        return new Example.Dialogue(turns, List.of());
    }

    private static List<String> laws(JsonNode n) {
        JsonNode laws = n.get("laws");
        if (laws == null || !laws.isArray()) {
            throw new MalformedRecord("missing \"laws\" array");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode l : laws) {
            if (!l.isString() || l.asString().isBlank()) {
                throw new MalformedRecord("\"laws\" entries must be non-empty strings");
            }
            out.add(l.asString().strip());
        }
        return out;
    }

    private static String required(JsonNode n, String field) {
        String v = text(n, field);
        if (v == null || v.isBlank()) {
            throw new MalformedRecord("missing or empty \"" + field + "\"");
        }
        return v;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.isString() ? v.asString() : null;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Deterministic held-out split: record {@code index} is for validation when its hash falls below the fraction. */
    public static boolean isValidation(int index, double fraction) {
        long z = (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53 < fraction;
    }

    private static final class MalformedRecord extends RuntimeException {
        MalformedRecord(String message) {
            super(message, null, false, false);
        }
    }
}
