package com.lawyerllama.law;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * All articles in memory, looked up by law, number and suffix; an {@link ArticleResolver}.
 * Articles with an id already seen are ignored (a law filed twice in the corpus counts once).
 * Immutable once built, so one instance may serve concurrent requests.
 */
public final class ArticleCatalog implements ArticleResolver {

    private static final Comparator<Article> NEWEST_FIRST =
            Comparator.comparing(Article::current).thenComparing(Article::version).reversed();

    private final Map<String, Article> byId = new LinkedHashMap<>();
    private final Map<String, List<Article>> byNumber = new HashMap<>();   // law|number|suffix → versions, newest first

    private ArticleCatalog(Collection<Article> articles) {
        for (Article a : articles) {
            if (byId.putIfAbsent(a.id(), a) == null) {
                byNumber.computeIfAbsent(key(a.law(), a.number(), a.suffix()), k -> new ArrayList<>()).add(a);
            }
        }
        byNumber.values().forEach(versions -> versions.sort(NEWEST_FIRST));
    }

    public static ArticleCatalog of(Collection<Article> articles) {
        return new ArticleCatalog(articles);
    }

    private static String key(String law, int number, int suffix) {
        return law + '|' + number + '|' + suffix;
    }

    /** The current version's article, else the newest version that has this number. */
    public Optional<Article> find(String law, int number, int suffix) {
        List<Article> versions = byNumber.get(key(law, number, suffix));
        return versions == null ? Optional.empty() : Optional.of(versions.get(0));
    }

    /** The article as a given version ({@code yyyy-MM-dd}, or "" for unknown) has it. */
    public Optional<Article> find(String law, String version, int number, int suffix) {
        return Optional.ofNullable(byId.get(Article.idOf(law, version, number, suffix)));
    }

    /** Every version of one article, newest first. */
    public List<Article> versions(String law, int number, int suffix) {
        return List.copyOf(byNumber.getOrDefault(key(law, number, suffix), List.of()));
    }

    public Optional<Article> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Distinct articles held. */
    public int size() {
        return byId.size();
    }

    public Set<String> laws() {
        return byId.values().stream().map(Article::law).collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public Optional<Article> resolve(Citation citation) {
        return find(citation.law(), citation.number(), citation.suffix());
    }

    /**
     * Like {@link #resolve(Citation)}, but when the law has several versions of this article,
     * the version whose text shares the most character bigrams with {@code quote} (a label quoting
     * or paraphrasing the article); ties go to the newer version. A label written against an old
     * version of 公司法 thus gets the old article, not the current one of the same number.
     */
    public Optional<Article> resolve(Citation citation, String quote) {
        List<Article> versions = byNumber.get(key(citation.law(), citation.number(), citation.suffix()));
        if (versions == null) {
            return Optional.empty();
        }
        if (versions.size() == 1 || quote == null || quote.isBlank()) {
            return Optional.of(versions.get(0));
        }
        Set<String> quoted = bigrams(quote);
        Article best = versions.get(0);
        double bestScore = -1;
        for (Article a : versions) {
            double score = overlap(quoted, bigrams(a.text()));
            if (score > bestScore) {
                best = a;
                bestScore = score;
            }
        }
        return Optional.of(best);
    }

    /** Share of the article's character bigrams found in the quote: 1 when it is quoted whole. */
    static double overlap(Set<String> quote, Set<String> article) {
        if (article.isEmpty()) {
            return 0;
        }
        int shared = 0;
        for (String b : article) {
            if (quote.contains(b)) {
                shared++;
            }
        }
        return (double) shared / article.size();
    }

    static Set<String> bigrams(String text) {
        String s = text.replaceAll("[\\s\\p{Punct}，。；：、（）《》“”]", "");
        Set<String> grams = new HashSet<>();
        for (int i = 0; i + 2 <= s.length(); i++) {
            grams.add(s.substring(i, i + 2));
        }
        return grams;
    }
}
