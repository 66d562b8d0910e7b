package com.lawyerllama.dataset;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds questions already seen: the same text once case, width, spaces and punctuation are set
 * aside (exact), or a text whose set of character bigrams overlaps an earlier one's by at least
 * {@code threshold} (Jaccard; near). Candidates are found through an inverted index of bigrams, so
 * a question is compared only with those that share a bigram with it.
 */
final class NearDuplicates {
    /** An earlier question this one repeats. */
    record Match(boolean exact, int earlierIndex, double similarity) {
    }

    private final double threshold;
    private final Map<String, Integer> exact = new HashMap<>();
    private final Map<Long, List<Integer>> postings = new HashMap<>();
    private final List<long[]> grams = new ArrayList<>();
    private final List<Integer> indexOf = new ArrayList<>();

    NearDuplicates(double threshold) {
        this.threshold = threshold;
    }

    /** The earlier question {@code text} repeats; when it repeats none, it is remembered as {@code index}. */
    Optional<Match> check(int index, String text) {
        String key = normalize(text);
        Integer same = exact.get(key);
        if (same != null) {
            return Optional.of(new Match(true, same, 1.0));
        }
        long[] mine = bigrams(key);
        if (threshold <= 1.0 && mine.length > 0) {
            Map<Integer, Integer> shared = new HashMap<>();
            for (long g : mine) {
                for (int other : postings.getOrDefault(g, List.of())) {
                    shared.merge(other, 1, Integer::sum);
                }
            }
            int best = -1;
            double bestSimilarity = 0;
            for (Map.Entry<Integer, Integer> e : shared.entrySet()) {
                int common = e.getValue();
                double jaccard = (double) common / (mine.length + grams.get(e.getKey()).length - common);
                if (jaccard > bestSimilarity) {
                    bestSimilarity = jaccard;
                    best = e.getKey();
                }
            }
            if (best >= 0 && bestSimilarity >= threshold) {
                return Optional.of(new Match(false, indexOf.get(best), bestSimilarity));
            }
        }
        int slot = grams.size();
        exact.put(key, index);
        grams.add(mine);
        indexOf.add(index);
        for (long g : mine) {
            postings.computeIfAbsent(g, k -> new ArrayList<>(2)).add(slot);
        }
        return Optional.empty();
    }

    /** NFKC (full-width to half-width), lower case, letters and digits only. */
    static String normalize(String text) {
        String n = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder(n.length());
        n.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString();
    }

    /** The distinct character bigrams (a one-character text: its character), each packed into a long. */
    private static long[] bigrams(String normalized) {
        int[] cps = normalized.codePoints().toArray();
        Set<Long> out = new HashSet<>();
        if (cps.length == 1) {
            out.add((long) cps[0]);
        }
        for (int i = 0; i + 1 < cps.length; i++) {
            out.add(((long) cps[i] << 21) | cps[i + 1]);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
