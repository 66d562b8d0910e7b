package com.lawyerllama.law;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads articles of other corpora from JSON lines, one article per line (UTF-8; blank lines are
 * skipped):
 *
 * <pre>{"law":"民法典","title":"中华人民共和国民法典","version":"2020-05-28","category":"民法典",
 *  "path":["合同编","第八章 违约责任"],"article":"第五百八十六条","text":"当事人可以约定…\n定金的数额…"}</pre>
 *
 * <ul>
 *   <li>{@code law} (required): the law's name; brackets and a leading 中华人民共和国 are removed
 *       ({@link LawNames#clean}), so a full title works too.</li>
 *   <li>{@code title}: the full title; defaults to {@code law} as given, without 《》.</li>
 *   <li>{@code version}: {@code yyyy-MM-dd}, or absent/empty when unknown.</li>
 *   <li>{@code category}: a grouping such as 民法商法; defaults to empty.</li>
 *   <li>{@code path}: array of 编/章/节 headings, outermost first; defaults to empty.</li>
 *   <li>{@code article} (required): {@code "第五百八十六条"}, {@code "第133条之一"}, or a number
 *       ({@code 586} or {@code "586"}).</li>
 *   <li>{@code text} (required, not blank): the article without its 第X条 prefix; 款 and 项 separated
 *       by {@code \n}.</li>
 * </ul>
 * A line that is not JSON, misses a required field, or has a bad value is reported as a
 * {@link ReadProblem} with its line number and skipped; so is a second line for an article id
 * already read. The newest version of each law across all files read together is current.
 */
public final class JsonlArticleReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern ARTICLE = Pattern.compile("^\\s*第?\\s*([零〇一二两三四五六七八九十百千万0-9０-９]+)\\s*条?(?:之([一二三四五六七八九十0-9]+))?\\s*$");

    private JsonlArticleReader() {
    }

    public static ArticleReadResult read(Path file) {
        return read(List.of(file));
    }

    /** Reads several files as one corpus; file names in the result are as given. */
    public static ArticleReadResult read(List<Path> files) {
        List<Article> articles = new ArrayList<>();
        List<FileStats> stats = new ArrayList<>();
        List<ReadProblem> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Path file : files) {
            String name = file.toString();
            int problemsBefore = problems.size();
            int articlesBefore = articles.size();
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                readLines(in, name, articles, ids, problems);
            } catch (IOException | UncheckedIOException e) {
                problems.add(new ReadProblem(name, 0, "cannot read: " + e.getMessage()));
            }
            List<Article> read = articles.subList(articlesBefore, articles.size());
            String law = read.stream().map(Article::law).distinct().count() == 1 ? read.get(0).law() : "";
            String version = read.stream().map(Article::version).distinct().count() == 1 ? read.get(0).version() : "";
            stats.add(new FileStats(name, law, version, read.size(), problems.size() - problemsBefore, ""));
        }
        return new ArticleReadResult(ArticleReadResult.markCurrentVersions(articles), stats, problems);
    }

    private static void readLines(BufferedReader in, String name, List<Article> articles, Set<String> ids,
                                  List<ReadProblem> problems) throws IOException {
        String line;
        int lineNumber = 0;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                Article a = parse(line, name, lineNumber);
                if (ids.add(a.id())) {
                    articles.add(a);
                } else {
                    problems.add(new ReadProblem(name, lineNumber, "article " + a.id() + " was already read; line skipped"));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new ReadProblem(name, lineNumber, e.getMessage()));
            }
        }
    }

    /** One line as an article; {@link IllegalArgumentException} says what is wrong with it. */
    static Article parse(String line, String file, int lineNumber) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String rawLaw = requiredString(node, "law");
        String law = LawNames.clean(rawLaw);
        if (law.isEmpty()) {
            throw new IllegalArgumentException("empty \"law\"");
        }
        String title = optionalString(node, "title", rawLaw.replaceAll("[《》\\s]", ""));
        String version = optionalString(node, "version", "");
        if (!version.isEmpty() && !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("\"version\" is not yyyy-MM-dd: " + version);
        }
        String category = optionalString(node, "category", "");
        List<String> path = new ArrayList<>();
        JsonNode pathNode = node.get("path");
        if (pathNode != null && !pathNode.isNull()) {
            if (!pathNode.isArray()) {
                throw new IllegalArgumentException("\"path\" is not an array");
            }
            for (JsonNode heading : pathNode) {
                if (!heading.isString()) {
                    throw new IllegalArgumentException("\"path\" holds a non-string");
                }
                path.add(heading.stringValue());
            }
        }
        int[] article = articleNumber(node.get("article"));
        String text = requiredString(node, "text").strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("blank \"text\"");
        }
        return Article.of(law, title, category, version, false, path, article[0], article[1], text, file, lineNumber);
    }

    private static int[] articleNumber(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing \"article\"");
        }
        if (node.isIntegralNumber()) {
            int n = node.intValue();
            if (n < 1) {
                throw new IllegalArgumentException("\"article\" must be at least 1: " + n);
            }
            return new int[] {n, 0};
        }
        if (!node.isString()) {
            throw new IllegalArgumentException("\"article\" is neither a number nor a string");
        }
        Matcher m = ARTICLE.matcher(node.stringValue());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"article\" is not 第X条 or a number: " + node.stringValue());
        }
        OptionalInt number = ChineseNumerals.tryParse(m.group(1));
        OptionalInt suffix = m.group(2) == null ? OptionalInt.of(0) : ChineseNumerals.tryParse(m.group(2));
        if (number.isEmpty() || number.getAsInt() < 1 || suffix.isEmpty()) {
            throw new IllegalArgumentException("bad numeral in \"article\": " + node.stringValue());
        }
        return new int[] {number.getAsInt(), suffix.getAsInt()};
    }

    private static String requiredString(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing \"" + field + "\"");
        }
        if (!value.isString()) {
            throw new IllegalArgumentException("\"" + field + "\" is not a string");
        }
        return value.stringValue();
    }

    private static String optionalString(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isString()) {
            throw new IllegalArgumentException("\"" + field + "\" is not a string");
        }
        return value.stringValue().strip();
    }
}
