package com.lawyerllama.law;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Law names as people write them, mapped to the corpus short names that {@link Article#law()}
 * uses.
 *
 * <p>{@link #clean(String)} needs no corpus: it strips whitespace, enclosing 《》 and a leading
 * 中华人民共和国, and writes nested 〈〉 as 《》. An instance built with {@link #of(Collection)}
 * knows the corpus: every short name, every full title (with or without 中华人民共和国 anywhere
 * in it), and a few aliases whose target is in the corpus:
 * <ul>
 *   <li>the parts of the Civil Code (婚姻家庭编, 合同编 …) → 民法典;</li>
 *   <li>common abbreviations: 民诉法 → 民事诉讼法, 刑诉法, 行诉法, 消保法, 个税法, 道交法,
 *       民诉法解释 → 最高人民法院关于适用《民事诉讼法》的解释 and the like.</li>
 * </ul>
 * The laws that the Civil Code replaced on 2021-01-01 (婚姻法, 继承法, 合同法, 物权法,
 * 侵权责任法, 民法通则, 民法总则, 担保法, 收养法) are not in the corpus and their article numbers
 * differ from the Code's, so they are <em>not</em> mapped to 民法典: they are recognised as names
 * (so that 合同法第五十二条 is found as a citation of 合同法, and honestly fails to resolve) but
 * {@link #resolve} gives nothing for them. Names that differ only by one word stay distinct
 * (劳动法 and 劳动合同法): matching is on whole names, longest first.
 *
 * <p>Immutable once built; safe to share between threads.
 */
public final class LawNames {

    private static final String PRC = "中华人民共和国";

    /** Replaced by the Civil Code on 2021-01-01; their numbering is not the Code's. */
    static final Set<String> REPLACED_BY_CIVIL_CODE = Set.of(
            "婚姻法", "继承法", "合同法", "物权法", "侵权责任法", "民法通则", "民法总则", "担保法", "收养法");

    private static final Map<String, String> ABBREVIATIONS = Map.ofEntries(
            Map.entry("民诉法", "民事诉讼法"),
            Map.entry("刑诉法", "刑事诉讼法"),
            Map.entry("行诉法", "行政诉讼法"),
            Map.entry("消保法", "消费者权益保护法"),
            Map.entry("个税法", "个人所得税法"),
            Map.entry("道交法", "道路交通安全法"),
            Map.entry("民诉法解释", "最高人民法院关于适用《民事诉讼法》的解释"),
            Map.entry("民诉解释", "最高人民法院关于适用《民事诉讼法》的解释"),
            Map.entry("刑诉法解释", "最高人民法院关于适用《刑事诉讼法》的解释"),
            Map.entry("刑诉解释", "最高人民法院关于适用《刑事诉讼法》的解释"));

    private static final List<String> CIVIL_CODE_PARTS = List.of(
            "总则编", "物权编", "合同编", "人格权编", "婚姻家庭编", "继承编", "侵权责任编");

    /**
     * A law name found in a text.
     *
     * @param start   index of its first character
     * @param end     index after its last character
     * @param text    the name as written
     * @param law     the corpus short name, or the written name when it is not in the corpus
     * @param inCorpus whether {@code law} is a corpus short name
     */
    public record Mention(int start, int end, String text, String law, boolean inCorpus) {
    }

    private final Map<String, String> byKey;              // key(name) → short name
    private final Map<String, String> bySurface;          // name as written → short name (or itself, for replaced laws)
    private final Set<String> corpusLaws;
    private final Map<Character, int[]> lengthsByFirst;   // longest first
    private final Map<Character, int[]> lengthsByLast;

    private LawNames(Map<String, String> byKey, Map<String, String> bySurface, Set<String> corpusLaws) {
        this.byKey = byKey;
        this.bySurface = bySurface;
        this.corpusLaws = corpusLaws;
        this.lengthsByFirst = lengthIndex(bySurface.keySet(), true);
        this.lengthsByLast = lengthIndex(bySurface.keySet(), false);
    }

    /** Knows no corpus: {@link #canonical} only cleans, and {@link #find} finds nothing. */
    public static LawNames none() {
        return new LawNames(Map.of(), Map.of(), Set.of());
    }

    /** Knows the laws of these articles (their short names and full titles) and the aliases above. */
    public static LawNames of(Collection<Article> articles) {
        Map<String, String> titles = new HashMap<>();   // short name → a full title
        for (Article a : articles) {
            titles.putIfAbsent(a.law(), a.lawTitle());
        }
        return ofTitles(titles);
    }

    /** Knows these laws, given as short name → full title (e.g. read back from the search index). */
    public static LawNames ofTitles(Map<String, String> titles) {
        Map<String, Set<String>> keyTargets = new HashMap<>();
        Map<String, Set<String>> surfaceTargets = new HashMap<>();
        for (Map.Entry<String, String> e : titles.entrySet()) {
            String law = e.getKey();
            for (String surface : surfaces(law, e.getValue())) {
                surfaceTargets.computeIfAbsent(surface, k -> new TreeSet<>()).add(law);
                keyTargets.computeIfAbsent(key(surface), k -> new TreeSet<>()).add(law);
            }
        }
        Map<String, String> aliases = new HashMap<>();
        if (titles.containsKey(LawRefBookReader.CIVIL_CODE)) {
            for (String part : CIVIL_CODE_PARTS) {
                aliases.put(part, LawRefBookReader.CIVIL_CODE);
                aliases.put(LawRefBookReader.CIVIL_CODE + part, LawRefBookReader.CIVIL_CODE);
            }
        }
        ABBREVIATIONS.forEach((alias, law) -> {
            if (titles.containsKey(law)) {
                aliases.put(alias, law);
            }
        });
        aliases.forEach((alias, law) -> {
            surfaceTargets.computeIfAbsent(alias, k -> new TreeSet<>()).add(law);
            keyTargets.computeIfAbsent(key(alias), k -> new TreeSet<>()).add(law);
        });
        Map<String, String> byKey = unambiguous(keyTargets);
        Map<String, String> bySurface = unambiguous(surfaceTargets);
        for (String replaced : REPLACED_BY_CIVIL_CODE) {
            if (!titles.containsKey(replaced)) {
                bySurface.putIfAbsent(replaced, replaced);
                bySurface.putIfAbsent(PRC + replaced, replaced);
            }
        }
        return new LawNames(byKey, bySurface, Set.copyOf(titles.keySet()));
    }

    /** Forms a law is written in: short name, title, title without 中华人民共和国, 《》 inside as 〈〉. */
    private static Set<String> surfaces(String law, String title) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(law);
        forms.add(title.replaceAll("\\s+", ""));
        forms.add(title.replaceAll("\\s+", "").replace(PRC, ""));
        forms.add(LawRefBookReader.withoutCountryPrefix(title.replaceAll("\\s+", "")));
        for (String f : List.copyOf(forms)) {
            forms.add(f.replace('《', '〈').replace('》', '〉'));
            forms.add(f.replaceAll("[（）()]", ""));   // 处方药与非处方药分类管理办法试行, 宪法修正案2004年
        }
        forms.remove("");
        return forms;
    }

    private static Map<String, String> unambiguous(Map<String, Set<String>> targets) {
        Map<String, String> map = new HashMap<>();
        targets.forEach((k, v) -> {
            if (v.size() == 1) {
                map.put(k, v.iterator().next());
            }
        });
        return map;
    }

    /**
     * The lookup key: no whitespace, brackets, parentheses, quotes, 、 or 中华人民共和国. Two names
     * with the same key are taken to be the same name (宪法修正案（2004年） and 宪法修正案2004年).
     */
    static String key(String name) {
        StringBuilder out = new StringBuilder(name.length());
        String s = name.replace(PRC, "");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || c == '\u3000' || "《》〈〉<>（）()\"“”‘’'、·".indexOf(c) >= 0) {
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Strips whitespace, enclosing 《》 and a leading 中华人民共和国; nested 〈〉 become 《》. */
    public static String clean(String raw) {
        String s = raw.replaceAll("[\\s\\u3000]+", "");
        while (s.startsWith("《") && s.endsWith("》") && s.length() > 2) {
            s = s.substring(1, s.length() - 1);
        }
        s = s.replace('〈', '《').replace('〉', '》');
        return LawRefBookReader.withoutCountryPrefix(s);
    }

    /**
     * The corpus short name for a name as written (《中华人民共和国民法典》, 民法典婚姻家庭编, 民诉法,
     * 社会法类中的残疾人保障法), or empty when it names no law of the corpus. A name that is not
     * known as a whole resolves to the known name it ends with, so a prefix such as
     * "社会法类中的" is ignored; a known name in the middle (the 民事诉讼法 of an unknown
     * "…适用〈民事诉讼法〉若干问题的解释") is not taken for the whole.
     */
    public Optional<String> resolve(String raw) {
        String cleaned = clean(raw);
        String law = byKey.get(key(cleaned));
        if (law != null) {
            return Optional.of(law);
        }
        return endingAt(cleaned, cleaned.length()).filter(Mention::inCorpus).map(Mention::law);
    }

    /** {@link #resolve} when the corpus has the law, else {@link #clean}. */
    public String canonical(String raw) {
        return resolve(raw).orElseGet(() -> clean(raw));
    }

    /** Whether the corpus has a law by this short name. */
    public boolean inCorpus(String shortName) {
        return corpusLaws.contains(shortName);
    }

    /** The corpus short names known. */
    public Set<String> corpusLaws() {
        return corpusLaws;
    }

    /**
     * Law names in free text, left to right, the longest at each place (劳动合同法实施条例 rather
     * than 劳动合同法), not overlapping. Names in 《》 that are not known are not reported here.
     */
    public List<Mention> find(String text) {
        List<Mention> mentions = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int[] lengths = lengthsByFirst.get(text.charAt(i));
            Mention found = null;
            if (lengths != null) {
                for (int len : lengths) {
                    if (i + len <= text.length()) {
                        String surface = text.substring(i, i + len);
                        String law = bySurface.get(surface);
                        if (law != null) {
                            found = new Mention(i, i + len, surface, law, corpusLaws.contains(law));
                            break;
                        }
                    }
                }
            }
            if (found != null) {
                mentions.add(found);
                i = found.end();
            } else {
                i++;
            }
        }
        return mentions;
    }

    /** The distinct corpus laws named in a text ("law names mentioned in the question"), in order of first mention. */
    public Set<String> lawsMentioned(String text) {
        Set<String> laws = new LinkedHashSet<>();
        for (Mention m : find(text)) {
            if (m.inCorpus()) {
                laws.add(m.law());
            }
        }
        return laws;
    }

    /** The longest known name that ends exactly at {@code end} in {@code text}. */
    public Optional<Mention> endingAt(String text, int end) {
        if (end <= 0 || end > text.length()) {
            return Optional.empty();
        }
        int[] lengths = lengthsByLast.get(text.charAt(end - 1));
        if (lengths == null) {
            return Optional.empty();
        }
        for (int len : lengths) {
            if (len <= end) {
                String surface = text.substring(end - len, end);
                String law = bySurface.get(surface);
                if (law != null) {
                    return Optional.of(new Mention(end - len, end, surface, law, corpusLaws.contains(law)));
                }
            }
        }
        return Optional.empty();
    }

    private static Map<Character, int[]> lengthIndex(Set<String> names, boolean first) {
        Map<Character, Set<Integer>> lengths = new HashMap<>();
        for (String n : names) {
            char c = first ? n.charAt(0) : n.charAt(n.length() - 1);
            lengths.computeIfAbsent(c, k -> new HashSet<>()).add(n.length());
        }
        Map<Character, int[]> index = new HashMap<>();
        lengths.forEach((c, set) -> index.put(c, set.stream().mapToInt(Integer::intValue)
                .boxed().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray()));
        return index;
    }
}
