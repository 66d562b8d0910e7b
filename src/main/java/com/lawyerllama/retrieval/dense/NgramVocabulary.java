package com.lawyerllama.retrieval.dense;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dense encoder's input units: every Chinese character, every run of Latin letters or digits
 * (lower-cased), and every pair of adjacent units within a stretch of text that punctuation and
 * spaces do not break. 离婚后孩子 gives 离 婚 后 孩 子 离婚 婚后 后孩 孩子. A vocabulary maps the
 * units kept at training time to ids; id 0 is padding and units outside it are dropped.
 */
public final class NgramVocabulary {

    /** File name inside a retriever model directory: one unit per line, line n (0-based) has id n + 1. */
    public static final String FILE = "vocab.txt";

    private final List<String> units;
    private final Map<String, Integer> ids;

    private NgramVocabulary(List<String> units) {
        this.units = List.copyOf(units);
        this.ids = new HashMap<>(units.size() * 2);
        for (int i = 0; i < units.size(); i++) {
            ids.put(units.get(i), i + 1);
        }
    }

    /** Ids including padding (0). */
    public int size() {
        return units.size() + 1;
    }

    /** The units of {@code text}, in order: unigrams and bigrams interleaved as they occur. */
    public static List<String> grams(String text) {
        List<String> out = new ArrayList<>();
        String previous = null;
        int i = 0;
        int n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            String unit;
            if (isWordChar(cp)) {
                int j = i;
                StringBuilder word = new StringBuilder();
                while (j < n && isWordChar(text.codePointAt(j))) {
                    word.appendCodePoint(Character.toLowerCase(text.codePointAt(j)));
                    j += Character.charCount(text.codePointAt(j));
                }
                unit = word.toString();
                i = j;
            } else if (Character.isLetter(cp) || Character.isIdeographic(cp)) {
                unit = new String(Character.toChars(cp));
                i += width;
            } else {
                previous = null;   // punctuation, spaces and symbols break bigrams
                i += width;
                continue;
            }
            out.add(unit);
            if (previous != null) {
                out.add(previous + unit);
            }
            previous = unit;
        }
        return out;
    }

    private static boolean isWordChar(int cp) {
        return cp < 0x3000 && Character.isLetterOrDigit(cp) || cp >= 0xFF10 && cp <= 0xFF5A && Character.isLetterOrDigit(cp);
    }

    /** Ids of the known units of {@code text}, at most {@code max} of them (the first ones). */
    public int[] encode(String text, int max) {
        List<String> grams = grams(text);
        int[] out = new int[Math.min(max, grams.size())];
        int k = 0;
        for (String g : grams) {
            if (k == out.length) {
                break;
            }
            Integer id = ids.get(g);
            if (id != null) {
                out[k++] = id;
            }
        }
        return k == out.length ? out : java.util.Arrays.copyOf(out, k);
    }

    /**
     * Keeps every unit seen at least {@code minCount} times in {@code texts}, most frequent first,
     * up to {@code maxSize} units (ties broken by the unit, so the result does not depend on order).
     */
    public static NgramVocabulary build(Collection<String> texts, int minCount, int maxSize) {
        Map<String, Integer> counts = new HashMap<>();
        for (String text : texts) {
            for (String g : grams(text)) {
                counts.merge(g, 1, Integer::sum);
            }
        }
        List<String> kept = counts.entrySet().stream()
                .filter(e -> e.getValue() >= minCount)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(maxSize)
                .map(Map.Entry::getKey)
                .sorted(Comparator.naturalOrder())
                .toList();
        return new NgramVocabulary(kept);
    }

    public void save(Path dir) throws IOException {
        Files.write(dir.resolve(FILE), units, StandardCharsets.UTF_8);
    }

    public static NgramVocabulary load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a retriever model directory (no " + FILE + "): " + dir);
        }
        return new NgramVocabulary(Files.readAllLines(file, StandardCharsets.UTF_8));
    }
}
