package com.lawyerllama.law;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the LawRefBook/Laws Markdown collection ({@code shared/data/laws}, layout in its
 * {@code FORMAT.md}) into {@link Article}s.
 *
 * <ul>
 *   <li>Law short name: the file name without {@code .md} and without the {@code (yyyy-MM-dd)}
 *       version (the collection names files by the title without 中华人民共和国); every file of
 *       the {@code 民法典} folder is the one law 民法典, its 编 (second H1) the first path element.</li>
 *   <li>Full title: line 1 ({@code # 中华人民共和国劳动合同法}).</li>
 *   <li>Category: the folder path below the root ({@code 部门规章/公安部}).</li>
 *   <li>Version: the file name's date; else the latest date among the header's history lines,
 *       not counting lines that only state when it takes effect (施行); else {@code ""}.</li>
 *   <li>Articles: lines after {@code <!-- INFO END -->} matching
 *       {@code ^第[零〇一二三四五六七八九十百千]+条(之[一…十]+)? }; an article runs to the next
 *       article line or {@code #} heading; its following non-blank lines are 款 and 项 lines.</li>
 * </ul>
 *
 * A file that cannot be read or lacks its header is reported as a {@link ReadProblem} and the
 * read goes on; so is an article line with a bad numeral and a line starting with 第…条 that is
 * not a well-formed article line. Several versions of a law are all kept; the newest is current.
 */
public final class LawRefBookReader {

    static final String CIVIL_CODE = "民法典";
    private static final String CIVIL_CODE_FOLDER = "民法典";
    private static final String INFO_END = "<!-- INFO END -->";
    private static final String PRC = "中华人民共和国";

    private static final Pattern VERSIONED_FILE = Pattern.compile("^(.*)\\((\\d{4}-\\d{2}-\\d{2})\\)\\.md$");
    private static final Pattern ARTICLE_LINE = Pattern.compile("^第([零〇一二三四五六七八九十百千]+)条(?:之([一二三四五六七八九十]+))? (.*)$");
    private static final Pattern ARTICLE_LIKE = Pattern.compile("^第[^\\s，。、]{1,12}条");
    private static final Pattern HEADING = Pattern.compile("^(#+)\\s*(.*?)\\s*$");
    private static final Pattern HISTORY_DATE = Pattern.compile("^\\s*([0-9０-９]{4})年([0-9０-９]{1,2})月([0-9０-９]{1,2})日\\s*(.*)$");

    private final Path root;

    private LawRefBookReader(Path root) {
        this.root = root;
    }

    /** Reads every {@code .md} file under {@code root} except {@code FORMAT.md} and README files. */
    public static ArticleReadResult read(Path root) {
        return new LawRefBookReader(root).readAll();
    }

    private ArticleReadResult readAll() {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".md"))
                    .filter(p -> p.getParent() != null && !p.getParent().equals(root))  // FORMAT.md, README.md sit at the root
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the law corpus at " + root, e);
        }
        List<ReadProblem> problems = new ArrayList<>();
        List<String> names = new ArrayList<>(files.size());
        List<FileResult> results = new ArrayList<>(files.size());
        List<Integer> problemCounts = new ArrayList<>(files.size());
        for (Path file : files) {
            int problemsBefore = problems.size();
            names.add(relative(file));
            results.add(readFile(file, problems));
            problemCounts.add(problems.size() - problemsBefore);
        }
        // The collection files a few laws under two categories (广告法 in 经济法 and 行政法): the
        // same law and version twice. Both copies are kept; the later one names the first.
        Map<String, Integer> fileOfId = new HashMap<>();
        Map<String, String> textOfId = new HashMap<>();
        List<Article> articles = new ArrayList<>(70_000);
        List<FileStats> stats = new ArrayList<>(files.size());
        for (int i = 0; i < results.size(); i++) {
            FileResult result = results.get(i);
            Set<Integer> repeated = new HashSet<>();
            int clashes = 0;
            for (Article a : result.articles) {
                Integer earlier = fileOfId.putIfAbsent(a.id(), i);
                if (earlier == null) {
                    textOfId.put(a.id(), a.text());
                } else if (earlier != i && textOfId.get(a.id()).equals(a.text())) {
                    repeated.add(earlier);
                } else {
                    clashes++;
                    problems.add(new ReadProblem(names.get(i), a.line(), "article id " + a.id()
                            + " already read with another text from " + names.get(earlier)));
                }
            }
            boolean wholeFileRepeats = clashes == 0 && repeated.size() == 1
                    && result.articles.size() == results.get(repeated.iterator().next()).articles.size();
            String duplicateOf = wholeFileRepeats ? names.get(repeated.iterator().next()) : "";
            articles.addAll(result.articles);
            stats.add(new FileStats(names.get(i), result.law, result.version, result.articles.size(),
                    problemCounts.get(i) + clashes, duplicateOf));
        }
        return new ArticleReadResult(ArticleReadResult.markCurrentVersions(articles), stats, problems);
    }

    private static final Pattern SPACE_BETWEEN_NAMES = Pattern.compile("(?<=\\p{IsHan})\\s+(?=\\p{IsHan})");

    /**
     * A file name as a law's short name: issuing bodies separated by spaces are written with 、
     * (最高人民法院 最高人民检察院关于… → 最高人民法院、最高人民检察院关于…, as the collection itself
     * names other versions of the same document); other whitespace is dropped.
     */
    static String shortName(String fileStem) {
        return SPACE_BETWEEN_NAMES.matcher(fileStem.strip()).replaceAll("、").replaceAll("\\s+", "");
    }

    private record FileResult(String law, String version, List<Article> articles) {
    }

    private FileResult readFile(Path file, List<ReadProblem> problems) {
        String name = relative(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            problems.add(new ReadProblem(name, 0, "not valid UTF-8"));
            return new FileResult("", "", List.of());
        } catch (IOException e) {
            problems.add(new ReadProblem(name, 0, "cannot read: " + e.getMessage()));
            return new FileResult("", "", List.of());
        }
        if (lines.isEmpty() || !lines.get(0).startsWith("# ")) {
            problems.add(new ReadProblem(name, 1, "line 1 is not '# <full title>'"));
            return new FileResult("", "", List.of());
        }
        String title = stripBom(lines.get(0)).substring(2).strip();
        String category = categoryOf(file);
        String fileName = file.getFileName().toString();
        Matcher versioned = VERSIONED_FILE.matcher(fileName);
        boolean civilCode = category.equals(CIVIL_CODE_FOLDER);
        String law = civilCode ? CIVIL_CODE
                : shortName(versioned.matches() ? versioned.group(1) : fileName.substring(0, fileName.length() - ".md".length()));

        int infoEnd = -1;
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(INFO_END)) {
                infoEnd = i;
                break;
            }
        }
        if (infoEnd < 0) {
            problems.add(new ReadProblem(name, 0, "no '" + INFO_END + "' line ending the header"));
            return new FileResult(law, "", List.of());
        }

        List<String> headingPath = new ArrayList<>();   // index = heading level - 1
        String latestHistoryDate = "";
        for (int i = 1; i < infoEnd; i++) {
            String line = lines.get(i);
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                setHeading(headingPath, heading.group(1).length(), heading.group(2));
                continue;
            }
            Matcher date = HISTORY_DATE.matcher(line);
            if (date.matches() && !isEffectiveDateOnly(date.group(4))) {
                String iso = isoDate(date.group(1), date.group(2), date.group(3));
                if (iso != null && iso.compareTo(latestHistoryDate) > 0) {
                    latestHistoryDate = iso;
                }
            }
        }
        String version = versioned.matches() ? versioned.group(2) : latestHistoryDate;
        String lawTitle = title;

        List<Article> articles = new ArrayList<>();
        ArticleBuilder open = null;
        for (int i = infoEnd + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                open = close(open, articles);
                setHeading(headingPath, heading.group(1).length(), heading.group(2));
                continue;
            }
            Matcher article = ARTICLE_LINE.matcher(line);
            if (article.matches()) {
                open = close(open, articles);
                OptionalInt number = ChineseNumerals.tryParse(article.group(1));
                OptionalInt suffix = article.group(2) == null ? OptionalInt.of(0) : ChineseNumerals.tryParse(article.group(2));
                if (number.isEmpty() || number.getAsInt() == 0 || suffix.isEmpty()) {
                    problems.add(new ReadProblem(name, i + 1, "bad article numeral in: " + abbreviate(line)));
                    continue;
                }
                open = new ArticleBuilder(law, lawTitle, category, version, pathOf(headingPath),
                        number.getAsInt(), suffix.getAsInt(), name, i + 1);
                open.add(article.group(3));
                continue;
            }
            if (ARTICLE_LIKE.matcher(line).find()) {
                problems.add(new ReadProblem(name, i + 1, "starts like an article but is not '第X条 text': " + abbreviate(line)));
            }
            if (open != null && !line.isBlank()) {
                open.add(line);
            }
        }
        close(open, articles);
        return new FileResult(law, version, articles);
    }

    private static final class ArticleBuilder {
        private final String law;
        private final String lawTitle;
        private final String category;
        private final String version;
        private final List<String> path;
        private final int number;
        private final int suffix;
        private final String file;
        private final int line;
        private final StringBuilder text = new StringBuilder();

        ArticleBuilder(String law, String lawTitle, String category, String version, List<String> path,
                       int number, int suffix, String file, int line) {
            this.law = law;
            this.lawTitle = lawTitle;
            this.category = category;
            this.version = version;
            this.path = path;
            this.number = number;
            this.suffix = suffix;
            this.file = file;
            this.line = line;
        }

        void add(String paragraph) {
            String stripped = paragraph.strip();
            if (stripped.isEmpty()) {
                return;
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(stripped);
        }

        Article build() {
            return Article.of(law, lawTitle, category, version, false, path, number, suffix, text.toString(), file, line);
        }
    }

    private static ArticleBuilder close(ArticleBuilder open, List<Article> articles) {
        if (open != null) {
            articles.add(open.build());
        }
        return null;
    }

    /** Level 1 is the title (line 1) or, in 民法典 files, the 编; deeper levels are 编/章/节. */
    private static void setHeading(List<String> path, int level, String text) {
        int depth = Math.max(level - 1, 0);
        while (path.size() > depth) {
            path.remove(path.size() - 1);
        }
        while (path.size() < depth) {
            path.add(null);   // a level skipped (#### under ##); dropped by pathOf
        }
        path.add(text.replaceAll("[\\s\\p{Z}]+", " ").strip());
    }

    private static List<String> pathOf(List<String> headingPath) {
        List<String> path = new ArrayList<>(headingPath.size());
        for (String h : headingPath) {
            if (h != null && !h.isEmpty()) {
                path.add(h);
            }
        }
        return List.copyOf(path);
    }

    /** "2021年1月1日 施行", "自2021年1月1日起施行" state the effective date, not a new version. */
    private static boolean isEffectiveDateOnly(String event) {
        String e = event.strip();
        return e.isEmpty() || e.equals("施行") || e.equals("起施行") || e.startsWith("施行") && e.length() <= 4;
    }

    private static String isoDate(String year, String month, String day) {
        int y = arabic(year);
        int m = arabic(month);
        int d = arabic(day);
        if (m < 1 || m > 12 || d < 1 || d > 31) {
            return null;
        }
        return String.format("%04d-%02d-%02d", y, m, d);
    }

    private static int arabic(String digits) {
        return ChineseNumerals.parse(digits);
    }

    private String categoryOf(Path file) {
        Path parent = root.relativize(file).getParent();
        return parent == null ? "" : parent.toString().replace('\\', '/');
    }

    private String relative(Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    private static String stripBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    private static String abbreviate(String line) {
        return line.length() <= 40 ? line : line.substring(0, 40) + "…";
    }

    /** Strips a leading 中华人民共和国 from a title: 中华人民共和国刑法 → 刑法. */
    static String withoutCountryPrefix(String title) {
        return title.startsWith(PRC) ? title.substring(PRC.length()) : title;
    }
}
