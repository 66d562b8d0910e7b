package com.lawyerllama.law;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a corpus reader returns: the articles (in file order), one {@link FileStats} per file and
 * every {@link ReadProblem}. {@link #articles()} holds every article read, also those of files
 * that repeat another file; index {@link #uniqueArticles()}. A read never stops at a bad file or line; look at {@link #problems()}.
 */
public record ArticleReadResult(List<Article> articles, List<FileStats> files, List<ReadProblem> problems) {

    public ArticleReadResult {
        articles = List.copyOf(articles);
        files = List.copyOf(files);
        problems = List.copyOf(problems);
    }

    /**
     * Marks, for each law, the articles of its newest version as current (ISO dates compare as
     * text; an unknown version {@code ""} is the oldest). Articles keep their order.
     */
    static List<Article> markCurrentVersions(List<Article> articles) {
        Map<String, String> newest = new HashMap<>();
        for (Article a : articles) {
            newest.merge(a.law(), a.version(), (x, y) -> x.compareTo(y) >= 0 ? x : y);
        }
        List<Article> marked = new ArrayList<>(articles.size());
        for (Article a : articles) {
            marked.add(a.withCurrent(a.version().equals(newest.get(a.law()))));
        }
        return marked;
    }

    /**
     * The articles to index: one per {@link Article#id()}, leaving out files that merely repeat
     * another file (see {@link FileStats#duplicateOf()}) and, should two different texts share an
     * id, every one after the first (each such clash is in {@link #problems()}).
     */
    public List<Article> uniqueArticles() {
        Set<String> seen = new HashSet<>();
        List<Article> unique = new ArrayList<>(articles.size());
        for (Article a : articles) {
            if (seen.add(a.id())) {
                unique.add(a);
            }
        }
        return unique;
    }

    /** The laws found, sorted. */
    public List<String> laws() {
        return articles.stream().map(Article::law).distinct().sorted(Comparator.naturalOrder()).toList();
    }
}
