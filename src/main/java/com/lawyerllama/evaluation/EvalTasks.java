package com.lawyerllama.evaluation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tasks {@code eval model} knows, with their fixed prompt formats (docs/evaluation.md lists
 * them). A record that cannot be read as a question is reported with its position and the run
 * goes on; nothing is dropped without being counted.
 */
public final class EvalTasks {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final List<String> LETTERS = List.of("A", "B", "C", "D");

    private static final Map<String, EvalTask> TASKS = new LinkedHashMap<>();

    static {
        add(new EvalTask("c3", "general", "general-eval/c3/c3-m-dev.json, c3-d-dev.json",
                "阅读文章：{text}\\n问题：{question}\\n答案：  → each choice's text", EvalTasks::c3));
        add(new EvalTask("ocnli", "general", "general-eval/ocnli/dev.json",
                "{sentence1}\\n问题：{sentence2}？是的、可能还是不是？\\n答案：  → 是的 / 可能 / 不是 (entailment / neutral / contradiction)",
                EvalTasks::ocnli));
        add(new EvalTask("piqa", "general", "general-eval/piqa/dev.jsonl + dev-labels.lst",
                "Question: {goal}\\nAnswer:  → \" {sol1}\" / \" {sol2}\"", EvalTasks::piqa));
        add(new EvalTask("sst2", "general", "general-eval/sst2/dev.tsv",
                "{sentence}\\nQuestion: Is this sentence positive or negative?\\nAnswer:  → \" negative\" / \" positive\"",
                EvalTasks::sst2));
        add(new EvalTask("mrpc", "general", "general-eval/mrpc/dev.tsv",
                "Sentence 1: {s1}\\nSentence 2: {s2}\\nQuestion: Do both sentences mean the same thing?\\nAnswer:  → \" no\" / \" yes\"",
                EvalTasks::mrpc));
        add(new EvalTask("jec-qa", "legal", "lawbench/1-2.json, lawbench/3-6.json (single-answer questions)",
                "{question with its A:…;B:…;C:…;D:… options}\\n正确答案：  → A / B / C / D", EvalTasks::jecQa));
        add(new EvalTask("disc-objective", "legal", "disc-lawllm-eval/eval/datasets/objective/*.csv",
                "{input}\\nA. {A}\\nB. {B}\\nC. {C}\\nD. {D}\\n答案：  → A … D; a multi-answer question's options are all 15 "
                        + "non-empty letter sets (A, B, …, AB, …, ABCD) and only the exact gold set counts",
                EvalTasks::discObjective));
        add(new EvalTask("charge", "legal", "lawbench/3-3.json (single-charge cases)",
                "{fact}\\n罪名：  → every charge name that occurs in the task's answers", EvalTasks::charge));
    }

    private EvalTasks() {
    }

    private static void add(EvalTask task) {
        TASKS.put(task.name(), task);
    }

    public static Map<String, EvalTask> all() {
        return TASKS;
    }

    /** The named tasks, in the order given; an unknown name is an error that lists the known ones. */
    public static List<EvalTask> named(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new EvaluationException("name at least one task (known: " + String.join(", ", TASKS.keySet()) + ")");
        }
        List<EvalTask> tasks = new ArrayList<>();
        for (String raw : names) {
            String name = raw == null ? "" : raw.trim().toLowerCase(java.util.Locale.ROOT);
            EvalTask task = TASKS.get(name);
            if (task == null) {
                throw new EvaluationException("unknown task '" + raw + "' (known: " + String.join(", ", TASKS.keySet()) + ")");
            }
            if (!tasks.contains(task)) {
                tasks.add(task);
            }
        }
        return tasks;
    }

    // ---------------------------------------------------------------------------------------
    // Readers

    /** Collects items, problems and exclusions while a reader walks its files. */
    private static final class Collector {
        final List<EvalItem> items = new ArrayList<>();
        final List<TaskData.Problem> problems = new ArrayList<>();
        final Map<String, Integer> excluded = new LinkedHashMap<>();

        void item(String file, long position, java.util.function.Supplier<EvalItem> make) {
            try {
                items.add(make.get());
            } catch (RuntimeException e) {
                problems.add(new TaskData.Problem(file, position, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }

        void problem(String file, long position, String reason) {
            problems.add(new TaskData.Problem(file, position, reason));
        }

        void exclude(String reason) {
            excluded.merge(reason, 1, Integer::sum);
        }

        TaskData done() {
            return new TaskData(items, problems, excluded);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || !v.isValueNode()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        String s = v.asString().strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty field '" + field + "'");
        }
        return s;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (tools.jackson.core.JacksonException e) {
            throw new IOException("not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<String> lines(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        return List.of(content.split("\r?\n", -1));
    }

    static TaskData c3(Path root) throws IOException {
        Collector c = new Collector();
        for (String name : List.of("c3-m-dev.json", "c3-d-dev.json")) {
            Path file = root.resolve("general-eval/c3").resolve(name);
            JsonNode docs = readJson(file);
            if (!docs.isArray()) {
                throw new IOException(file + ": expected a JSON array of documents");
            }
            for (int d = 0; d < docs.size(); d++) {
                JsonNode doc = docs.get(d);
                String where = name;
                if (!doc.isArray() || doc.size() < 3 || !doc.get(0).isArray() || !doc.get(1).isArray()) {
                    c.problem(where, d + 1, "document is not [paragraphs, questions, id]");
                    continue;
                }
                List<String> paragraphs = new ArrayList<>();
                doc.get(0).forEach(p -> paragraphs.add(p.asString().strip()));
                String text = String.join("\n", paragraphs);
                String docId = doc.get(2).asString();
                JsonNode questions = doc.get(1);
                for (int q = 0; q < questions.size(); q++) {
                    JsonNode question = questions.get(q);
                    String id = docId + "#" + (q + 1);
                    c.item(where, d + 1, () -> {
                        String stem = text(question, "question");
                        JsonNode choice = question.get("choice");
                        if (choice == null || !choice.isArray() || choice.size() < 2) {
                            throw new IllegalArgumentException("question " + id + ": fewer than two choices");
                        }
                        List<String> options = new ArrayList<>();
                        choice.forEach(o -> options.add(o.asString().strip()));
                        int gold = options.indexOf(text(question, "answer"));
                        if (gold < 0) {
                            throw new IllegalArgumentException("question " + id + ": the answer is not one of its choices");
                        }
                        return new EvalItem(id, "阅读文章：" + text + "\n问题：" + stem + "\n答案：", options,
                                lettersFor(options.size()), gold);
                    });
                }
            }
        }
        return c.done();
    }

    private static List<String> lettersFor(int n) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add(String.valueOf((char) ('A' + i)));
        }
        return labels;
    }

    private static final List<String> NLI_LABELS = List.of("entailment", "neutral", "contradiction");
    private static final List<String> NLI_OPTIONS = List.of("是的", "可能", "不是");

    static TaskData ocnli(Path root) throws IOException {
        Collector c = new Collector();
        String name = "ocnli/dev.json";
        List<String> lines = lines(root.resolve("general-eval/ocnli/dev.json"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int position = i + 1;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (tools.jackson.core.JacksonException e) {
                c.problem(name, position, "not a JSON object");
                continue;
            }
            JsonNode label = node.get("label");
            if (label != null && "-".equals(label.asString())) {
                c.exclude("no majority label ('-')");
                continue;
            }
            c.item(name, position, () -> {
                int gold = NLI_LABELS.indexOf(text(node, "label"));
                if (gold < 0) {
                    throw new IllegalArgumentException("unknown label '" + node.get("label").asString() + "'");
                }
                String id = node.has("id") ? node.get("id").asString() : String.valueOf(position);
                return new EvalItem(id, text(node, "sentence1") + "\n问题：" + text(node, "sentence2") + "？是的、可能还是不是？\n答案：",
                        NLI_OPTIONS, NLI_LABELS, gold);
            });
        }
        return c.done();
    }

    static TaskData piqa(Path root) throws IOException {
        Collector c = new Collector();
        String name = "piqa/dev.jsonl";
        List<String> lines = lines(root.resolve("general-eval/piqa/dev.jsonl"));
        List<String> labels = lines(root.resolve("general-eval/piqa/dev-labels.lst"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int position = i + 1;
            String label = i < labels.size() ? labels.get(i).strip() : "";
            c.item(name, position, () -> {
                JsonNode node = JSON.readTree(line);
                if (!label.equals("0") && !label.equals("1")) {
                    throw new IllegalArgumentException("label on line " + position + " of dev-labels.lst is '" + label + "', not 0 or 1");
                }
                return new EvalItem(text(node, "id"), "Question: " + text(node, "goal") + "\nAnswer:",
                        List.of(" " + text(node, "sol1"), " " + text(node, "sol2")), List.of("sol1", "sol2"), Integer.parseInt(label));
            });
        }
        return c.done();
    }

    static TaskData sst2(Path root) throws IOException {
        return tsv(root, "sst2/dev.tsv", (f, position) -> {
            if (f.length != 2 || !(f[1].strip().equals("0") || f[1].strip().equals("1")) || f[0].isBlank()) {
                throw new IllegalArgumentException("expected 'sentence<TAB>0|1'");
            }
            return new EvalItem(String.valueOf(position), f[0].strip() + "\nQuestion: Is this sentence positive or negative?\nAnswer:",
                    List.of(" negative", " positive"), List.of("negative", "positive"), Integer.parseInt(f[1].strip()));
        });
    }

    static TaskData mrpc(Path root) throws IOException {
        return tsv(root, "mrpc/dev.tsv", (f, position) -> {
            if (f.length != 5 || !(f[0].strip().equals("0") || f[0].strip().equals("1")) || f[3].isBlank() || f[4].isBlank()) {
                throw new IllegalArgumentException("expected 'quality<TAB>id1<TAB>id2<TAB>sentence1<TAB>sentence2'");
            }
            return new EvalItem(f[1].strip() + "-" + f[2].strip(), "Sentence 1: " + f[3].strip() + "\nSentence 2: " + f[4].strip()
                    + "\nQuestion: Do both sentences mean the same thing?\nAnswer:",
                    List.of(" no", " yes"), List.of("no", "yes"), Integer.parseInt(f[0].strip()));
        });
    }

    /** One item per non-blank row of {@code general-eval/NAME} after its header, split on tabs. */
    private static TaskData tsv(Path root, String name, java.util.function.BiFunction<String[], Integer, EvalItem> row)
            throws IOException {
        Collector c = new Collector();
        List<String> lines = lines(root.resolve("general-eval/" + name));
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int position = i + 1;
            c.item(name, position, () -> row.apply(line.split("\t", -1), position));
        }
        return c.done();
    }

    private static final Pattern JEC_ANSWER = Pattern.compile("正确答案\\s*[:：]\\s*([A-D]+)");

    static TaskData jecQa(Path root) throws IOException {
        Collector c = new Collector();
        for (String part : List.of("1-2", "3-6")) {
            String name = "lawbench/" + part + ".json";
            JsonNode records = readJson(root.resolve(name));
            if (!records.isArray()) {
                throw new IOException(name + ": expected a JSON array");
            }
            for (int i = 0; i < records.size(); i++) {
                JsonNode r = records.get(i);
                int position = i + 1;
                String answer = r.has("answer") ? r.get("answer").asString() : "";
                Matcher m = JEC_ANSWER.matcher(answer);
                if (m.find() && m.group(1).length() > 1) {
                    c.exclude("several right answers (" + m.group(1) + ")");
                    continue;
                }
                c.item(name, position, () -> {
                    String question = text(r, "question");
                    if (!m.find(0)) {
                        throw new IllegalArgumentException("answer '" + answer + "' names no option A–D");
                    }
                    for (String letter : LETTERS) {
                        if (!question.contains(letter + ":") && !question.contains(letter + "：")) {
                            throw new IllegalArgumentException("the question has no option " + letter);
                        }
                    }
                    return new EvalItem(part + "#" + position, question + "\n正确答案：", LETTERS, LETTERS, LETTERS.indexOf(m.group(1)));
                });
            }
        }
        return c.done();
    }

    /** The 15 non-empty subsets of A–D as letter strings, singles first, then pairs, … (A, B, C, D, AB, AC, …, ABCD). */
    static List<String> letterSets() {
        List<String> sets = new ArrayList<>();
        for (int size = 1; size <= 4; size++) {
            for (int mask = 1; mask < 16; mask++) {
                if (Integer.bitCount(mask) == size) {
                    StringBuilder s = new StringBuilder();
                    for (int b = 0; b < 4; b++) {
                        if ((mask & (1 << b)) != 0) {
                            s.append(LETTERS.get(b));
                        }
                    }
                    sets.add(s.toString());
                }
            }
        }
        return sets;
    }

    static TaskData discObjective(Path root) throws IOException {
        Collector c = new Collector();
        Path dir = root.resolve("disc-lawllm-eval/eval/datasets/objective");
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".csv")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no .csv files in " + dir);
        }
        for (Path file : files) {
            readDisc(file, c);
        }
        return c.done();
    }

    /** One DISC-Law-Eval objective CSV ({@code input,output,A,B,C,D,source,multichoice}) into {@code c}. */
    static void readDisc(Path file, Collector c) throws IOException {
        String name = file.getFileName().toString();
        List<Csv.Row> rows = Csv.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (rows.isEmpty()) {
            return;
        }
        List<String> header = rows.get(0).fields();
        List<String> expected = List.of("input", "output", "A", "B", "C", "D", "source", "multichoice");
        if (!header.equals(expected)) {
            throw new IOException(name + ": header is " + header + ", expected " + expected);
        }
        String stem = name.replaceFirst("\\.csv$", "");
        for (int i = 1; i < rows.size(); i++) {
            Csv.Row row = rows.get(i);
            if (row.fields().size() == 1 && row.fields().get(0).isBlank()) {
                continue;
            }
            c.item(name, row.line(), () -> discItem(stem + "#" + (row.line()), row.fields()));
        }
    }

    static EvalItem discItem(String id, List<String> f) {
        if (f.size() != 8) {
            throw new IllegalArgumentException("expected 8 fields, got " + f.size());
        }
        String input = f.get(0).strip();
        if (input.isEmpty()) {
            throw new IllegalArgumentException("empty question");
        }
        TreeSet<String> gold = new TreeSet<>();
        for (char ch : f.get(1).strip().toCharArray()) {
            String letter = String.valueOf(Character.toUpperCase(ch));
            if (LETTERS.contains(letter)) {
                gold.add(letter);
            } else if (!Character.isWhitespace(ch) && ch != ',' && ch != '，' && ch != '、') {
                throw new IllegalArgumentException("answer '" + f.get(1) + "' is not a set of letters A–D");
            }
        }
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("no answer");
        }
        StringBuilder context = new StringBuilder(input).append('\n');
        for (int o = 0; o < 4; o++) {
            String option = f.get(2 + o).strip();
            if (option.isEmpty()) {
                throw new IllegalArgumentException("option " + LETTERS.get(o) + " is empty");
            }
            context.append(LETTERS.get(o)).append(". ").append(option.replace('\n', ' ')).append('\n');
        }
        context.append("答案：");
        String flag = f.get(7).strip();
        boolean multi = flag.equalsIgnoreCase("true");
        if (!multi && !flag.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("multichoice is '" + flag + "', not True or False");
        }
        if (!multi && gold.size() > 1) {
            throw new IllegalArgumentException("single-answer question with answer " + String.join("", gold));
        }
        List<String> options = multi ? letterSets() : LETTERS;
        return new EvalItem(id, context.toString(), options, options, options.indexOf(String.join("", gold)));
    }

    private static final Pattern CHARGE_ANSWER = Pattern.compile("^\\s*罪名\\s*[:：](.+)$", Pattern.DOTALL);

    static TaskData charge(Path root) throws IOException {
        Collector c = new Collector();
        String name = "lawbench/3-3.json";
        JsonNode records = readJson(root.resolve(name));
        if (!records.isArray()) {
            throw new IOException(name + ": expected a JSON array");
        }
        // The candidates: every charge name in the task's answers.
        TreeSet<String> charges = new TreeSet<>();
        List<List<String>> answers = new ArrayList<>();
        for (JsonNode r : records) {
            List<String> names = new ArrayList<>();
            Matcher m = CHARGE_ANSWER.matcher(r.has("answer") ? r.get("answer").asString() : "");
            if (m.matches()) {
                for (String part : m.group(1).split("[;；]")) {
                    if (!part.isBlank()) {
                        names.add(part.strip());
                    }
                }
            }
            charges.addAll(names);
            answers.add(names);
        }
        List<String> options = List.copyOf(charges);
        for (int i = 0; i < records.size(); i++) {
            JsonNode r = records.get(i);
            List<String> names = answers.get(i);
            int position = i + 1;
            if (names.size() > 1) {
                c.exclude("several charges");
                continue;
            }
            c.item(name, position, () -> {
                if (names.isEmpty()) {
                    throw new IllegalArgumentException("answer is not '罪名:NAME'");
                }
                String fact = text(r, "question");
                return new EvalItem("3-3#" + position, fact + "\n罪名：", options, options, options.indexOf(names.get(0)));
            });
        }
        return c.done();
    }
}
