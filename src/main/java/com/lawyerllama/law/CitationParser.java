package com.lawyerllama.law;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds article citations in text.
 *
 * <p>An article is {@code 第X条}, {@code 第X条之Y}, optionally followed by {@code 第Z款}; X, Y and
 * Z in Chinese or Arabic numerals (第586条). Its law is, in this order:
 * <ol>
 *   <li>a 《…》 title just before it (《中华人民共和国民法典》第五百八十六条; nested 〈〉 allowed);</li>
 *   <li>本法, 该法, 此法, 上述法 or 同法 just before it: the last law named earlier in the text;</li>
 *   <li>a law name known to {@link LawNames} just before it, without brackets
 *       (刑法第264条, 民法典婚姻家庭编第一千零四十一条, 社会法类中的劳动法的第十五条);</li>
 *   <li>otherwise, when only a list word separates it from the previous citation (、 ， 和 及 以及
 *       与 或 或者 至 到), that citation's law: 第五百八十六条、第五百八十七条 and
 *       第五百八十六条和第五百八十七条 both cite two articles of the same law.</li>
 * </ol>
 * Between the law and 第 a 的, 中 or 中的 may stand (证券法的第四十二条). 第X条至第Y条 gives the two
 * endpoints only, not the articles between: a citation is something written in the text. A bare
 * 第X条 with none of the above (第十条规定… without a law in sight) is not reported: its law is
 * unknown.
 *
 * <p>Stateless apart from its {@link LawNames}; safe to share between threads.
 */
public final class CitationParser {

    private static final String NUM = "[零〇一二两三四五六七八九十百千万0-9０-９]+";
    private static final Pattern ARTICLE = Pattern.compile(
            "第\\s*(" + NUM + ")\\s*条(?:之([一二三四五六七八九十0-9]+))?(?:\\s*第(" + NUM + ")款)?");
    private static final Pattern LIST_GAP = Pattern.compile("\\s*(?:、|，|,|和|及|以及|与|或|或者|至|到|、以及)?\\s*");
    private static final List<String> BACK_REFERENCES = List.of("本法", "该法", "此法", "上述法", "同法");

    private final LawNames names;

    public CitationParser(LawNames names) {
        this.names = names;
    }

    /** A parser that knows no law names: only citations with 《》 (and 本法/lists after them) are found. */
    public static CitationParser withoutCorpus() {
        return new CitationParser(LawNames.none());
    }

    public LawNames names() {
        return names;
    }

    /** Every citation in the text, in order. */
    public List<Citation> parse(String text) {
        return parse(text, null);
    }

    /**
     * The citations in an article's text of articles of other laws (an interpretation's 刑法第二百六十四条; its
     * own 本解释第二条 left out), in order; none for a text the parser cannot read.
     */
    public List<Citation> citationsOfOtherLaws(Article article) {
        try {
            return parse(article.text()).stream().filter(c -> !c.law().equals(article.law())).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Something written as a citation of an article of a named law whose number cannot be read
     * (第一千零七十九二条, 第零条): reported, never silently skipped, by {@link #parseWithMalformed}.
     */
    public record Malformed(String text, int start, int end, String law, String reason) {
    }

    /** The citations and the malformed citations in the text. */
    public record Parsed(List<Citation> citations, List<Malformed> malformed) {
    }

    /** Like {@link #parse}, and also every 第…条 after a law name whose number is not a valid article number. */
    public Parsed parseWithMalformed(String text) {
        List<Malformed> malformed = new ArrayList<>();
        List<Citation> citations = parse(text, malformed);
        return new Parsed(citations, List.copyOf(malformed));
    }

    private List<Citation> parse(String text, List<Malformed> malformed) {
        List<Citation> citations = new ArrayList<>();
        List<LawNames.Mention> mentions = null;   // computed on the first 本法
        Matcher m = ARTICLE.matcher(text);
        while (m.find()) {
            OptionalInt number = ChineseNumerals.tryParse(m.group(1));
            OptionalInt suffix = m.group(2) == null ? OptionalInt.of(0) : ChineseNumerals.tryParse(m.group(2));
            OptionalInt paragraph = m.group(3) == null ? OptionalInt.empty() : ChineseNumerals.tryParse(m.group(3));
            String problem = null;
            if (number.isEmpty() || number.getAsInt() < 1) {
                problem = "article number '" + m.group(1) + "' is not a valid number";
            } else if (suffix.isEmpty()) {
                problem = "'之" + m.group(2) + "' is not a valid number";
            } else if (m.group(3) != null && (paragraph.isEmpty() || paragraph.getAsInt() < 1)) {
                problem = "paragraph number '" + m.group(3) + "' is not a valid number";
            }
            if (problem != null && malformed == null) {
                continue;
            }
            int lawEnd = skipConnectorsBackwards(text, m.start());
            String law = null;
            int start = m.start();
            if (lawEnd > 0 && text.charAt(lawEnd - 1) == '》') {
                int open = openingBracket(text, lawEnd - 1);
                if (open >= 0) {
                    law = names.canonical(text.substring(open + 1, lawEnd - 1));
                    start = open;
                }
            }
            if (law == null) {
                String back = backReferenceEndingAt(text, lawEnd);
                if (back != null) {
                    if (mentions == null) {
                        mentions = lawMentions(text);
                    }
                    law = lastLawBefore(mentions, citations, lawEnd - back.length()).orElse(null);
                    if (law != null) {
                        start = lawEnd - back.length();
                    }
                }
            }
            if (law == null) {
                Optional<LawNames.Mention> named = names.endingAt(text, lawEnd);
                if (named.isPresent()) {
                    law = named.get().law();
                    start = named.get().start();
                }
            }
            if (law == null && !citations.isEmpty()) {
                Citation previous = citations.get(citations.size() - 1);
                if (previous.end() <= m.start() && LIST_GAP.matcher(text.substring(previous.end(), m.start())).matches()) {
                    law = previous.law();
                }
            }
            if (law == null || law.isEmpty()) {
                continue;
            }
            if (problem != null) {
                malformed.add(new Malformed(text.substring(start, m.end()), start, m.end(), law, problem));
                continue;
            }
            citations.add(new Citation(text.substring(start, m.end()), start, m.end(), law, number.getAsInt(),
                    suffix.getAsInt(), m.group(3) == null ? null : paragraph.getAsInt()));
        }
        return citations;
    }

    /** Steps back over whitespace and a 的 / 中 / 中的 between a law name and 第. */
    private static int skipConnectorsBackwards(String text, int at) {
        int i = at;
        while (i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
            i--;
        }
        if (text.startsWith("中的", i - 2)) {
            i -= 2;
        } else if (i > 0 && (text.charAt(i - 1) == '的' || text.charAt(i - 1) == '中')) {
            i--;
        }
        while (i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
            i--;
        }
        return i;
    }

    /** The 《 that the 》 at {@code close} closes, counting nested pairs; -1 when there is none nearby. */
    private static int openingBracket(String text, int close) {
        int depth = 0;
        for (int i = close; i >= 0 && close - i < 200; i--) {
            char c = text.charAt(i);
            if (c == '》') {
                depth++;
            } else if (c == '《') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static String backReferenceEndingAt(String text, int end) {
        for (String word : BACK_REFERENCES) {
            if (end >= word.length() && text.startsWith(word, end - word.length())) {
                return word;
            }
        }
        return null;
    }

    /** Laws named in 《》 or by a known name, in text order. */
    private List<LawNames.Mention> lawMentions(String text) {
        List<LawNames.Mention> mentions = new ArrayList<>(names.find(text));
        Matcher bracketed = Pattern.compile("《([^《》]{1,100})》").matcher(text);
        while (bracketed.find()) {
            String law = names.canonical(bracketed.group(1));
            mentions.add(new LawNames.Mention(bracketed.start(), bracketed.end(), bracketed.group(), law, names.inCorpus(law)));
        }
        mentions.sort((a, b) -> Integer.compare(a.end(), b.end()));
        return mentions;
    }

    private static Optional<String> lastLawBefore(List<LawNames.Mention> mentions, List<Citation> citations, int position) {
        String law = null;
        int lawEnd = -1;
        for (LawNames.Mention m : mentions) {
            if (m.end() <= position && m.end() > lawEnd) {
                law = m.law();
                lawEnd = m.end();
            }
        }
        for (Citation c : citations) {
            if (c.end() <= position && c.end() > lawEnd) {
                law = c.law();
                lawEnd = c.end();
            }
        }
        return Optional.ofNullable(law);
    }
}
