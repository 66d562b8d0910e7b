package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Citation spreading ({@link RetrievalProperties.CitationSpread}): BM25's best candidates lend part of
 * their score to the articles of other laws that their text cites.
 *
 * <p>A question is often worded like the statutes that apply a law rather than like the law: criminal
 * facts read like the judicial interpretation that says which amounts make a theft 数额较大, not like
 * 刑法第二百六十四条, which the interpretation cites. Each of the {@code sources} best candidates gives
 * {@code weight} × its score, shared equally among the distinct current articles of other laws it cites,
 * to those articles; an article not among the candidates enters the ranking with what it receives. The
 * ranking is then cut at the same relative floor as BM25's ({@code minScore} × the best). No labelled
 * data is involved: the links are the corpus's own citations, read with the project's
 * {@link CitationParser}.
 *
 * <p>One instance serves one state of the index: it remembers each source article's citations and each
 * cited article (a few thousand links in the whole national corpus). {@link #learnAll} reads every link of
 * the index in one pass (the retriever runs it in the background after the first search of an index state);
 * until it has, a search looks up, in one batch, the citations it has not met before.
 */
final class CitedArticles {
    /** Remembered entries of each kind before the memory is emptied and rebuilt (the corpus has ~7,000 links). */
    static final int MAX_REMEMBERED = 200_000;

    private final CitationParser parser;
    private final ArticleResolver resolver;
    /** Source article id → its citations of other laws' articles, distinct, in order. */
    private final Map<String, List<Citation>> citationsOf = new ConcurrentHashMap<>();
    /** Canonical citation → the current article it names (empty: none current in the index). */
    private final Map<String, Optional<Article>> articleOf = new ConcurrentHashMap<>();

    CitedArticles(CitationParser parser, ArticleResolver resolver) {
        this.parser = parser;
        this.resolver = resolver;
    }

    /**
     * {@code ranked} (best first, already above BM25's floor) with the cited articles' shares added,
     * best first, cut at {@code minScore} × the new best.
     */
    List<ScoredArticle> spread(List<ScoredArticle> ranked, RetrievalProperties.CitationSpread settings, double minScore) {
        if (ranked.isEmpty() || settings.weight() <= 0 || settings.sources() <= 0) {
            return ranked;
        }
        List<ScoredArticle> sources = ranked.subList(0, Math.min(settings.sources(), ranked.size()));
        Map<ScoredArticle, List<Citation>> links = new LinkedHashMap<>();
        for (ScoredArticle source : sources) {
            List<Citation> citations = citationsOf(source.article());
            if (!citations.isEmpty()) {
                links.put(source, citations);
            }
        }
        if (links.isEmpty()) {
            return ranked;
        }
        lookUp(links.values());
        Map<String, ScoredArticle> scores = new LinkedHashMap<>();
        for (ScoredArticle s : ranked) {
            scores.put(s.article().id(), s);
        }
        for (Map.Entry<ScoredArticle, List<Citation>> link : links.entrySet()) {
            Map<String, Article> targets = new LinkedHashMap<>();
            for (Citation c : link.getValue()) {
                articleOf.getOrDefault(c.canonical(), Optional.empty()).ifPresent(a -> targets.putIfAbsent(a.id(), a));
            }
            if (targets.isEmpty()) {
                continue;
            }
            double share = settings.weight() * link.getKey().score() / targets.size();
            for (Article target : targets.values()) {
                scores.merge(target.id(), new ScoredArticle(target, share),
                        (old, added) -> new ScoredArticle(old.article(), old.score() + added.score(), old.citedBy()));
            }
        }
        List<ScoredArticle> result = new ArrayList<>(scores.values());
        result.sort(Comparator.comparingDouble(ScoredArticle::score).reversed());
        double floor = minScore * result.get(0).score();
        return result.stream().filter(s -> s.score() >= floor).toList();
    }

    /** Reads pages of the corpus: current articles in id order after an id (null: from the start). */
    interface Pages {
        List<Article> after(String afterId, int size);
    }

    /**
     * Learns every link of the corpus at once: each current article's citations of other laws, then the
     * cited articles, looked up as a search looks them up ({@link #lookUp}), {@code pageSize} at a time.
     * Returns the number of distinct cited articles that are current.
     */
    int learnAll(Pages pages, int pageSize) {
        Map<String, Citation> wanted = new LinkedHashMap<>();
        String after = null;
        for (List<Article> page = pages.after(null, pageSize); !page.isEmpty(); page = pages.after(after, pageSize)) {
            for (Article a : page) {
                for (Citation c : citationsOf(a)) {
                    wanted.putIfAbsent(c.canonical(), c);
                }
            }
            after = page.get(page.size() - 1).id();
        }
        List<Citation> all = List.copyOf(wanted.values());
        for (int from = 0; from < all.size(); from += pageSize) {
            lookUp(List.of(all.subList(from, Math.min(all.size(), from + pageSize))));
        }
        return (int) all.stream().filter(c -> articleOf.getOrDefault(c.canonical(), Optional.empty()).isPresent()).count();
    }

    /** The article's citations of other laws' articles, distinct (remembered). */
    private List<Citation> citationsOf(Article source) {
        List<Citation> known = citationsOf.get(source.id());
        if (known != null) {
            return known;
        }
        Map<String, Citation> distinct = new LinkedHashMap<>();
        for (Citation c : parser.citationsOfOtherLaws(source)) {
            distinct.putIfAbsent(c.canonical(), c);
        }
        List<Citation> citations = List.copyOf(distinct.values());
        remember(citationsOf, source.id(), citations);
        return citations;
    }

    /** Resolves, in one batch, the cited articles not yet remembered. */
    private void lookUp(Iterable<List<Citation>> citations) {
        Map<String, Citation> missing = new LinkedHashMap<>();
        for (List<Citation> list : citations) {
            for (Citation c : list) {
                if (!articleOf.containsKey(c.canonical())) {
                    missing.putIfAbsent(c.canonical(), c);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<Citation> asked = List.copyOf(missing.values());
        List<Optional<Article>> found = resolver.resolveAll(asked);
        for (int i = 0; i < asked.size(); i++) {
            remember(articleOf, asked.get(i).canonical(), found.get(i).filter(Article::current));
        }
    }

    private static <V> void remember(Map<String, V> memory, String key, V value) {
        if (memory.size() >= MAX_REMEMBERED) {
            memory.clear();
        }
        memory.put(key, value);
    }
}
