package com.lawyerllama.retrieval.dense;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleCatalog;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LabelledQuestions;
import com.lawyerllama.law.LawNames;
import com.lawyerllama.retrieval.DevSplit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dense retriever learns from: the current statute articles (the search space, and the
 * source of self-supervised pairs) and labelled questions with the articles that answer them.
 * Only the training part of each labelled set is read: {@link DevSplit}'s held-out fifth is never
 * seen. A tenth of the rest is kept for validation.
 */
public final class RetrieverData {

    /** A labelled question: the query text as the encoder sees it, its gold articles, and lexical near misses (hard negatives). */
    public record Pair(String set, String query, List<Article> gold, List<Article> nearMisses) {
    }

    private final List<Article> corpus;
    private final List<Pair> fit = new ArrayList<>();
    private final List<Pair> validation = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Integer> goldUnresolved = new LinkedHashMap<>();

    private RetrieverData(List<Article> corpus) {
        this.corpus = List.copyOf(corpus);
    }

    /** Near misses of a query among the current articles, best first (a lexical retriever); may be empty. */
    @FunctionalInterface
    public interface NearMisses {
        List<Article> search(String question, List<String> earlierQuestions, int k);

        NearMisses NONE = (q, e, k) -> List.of();
    }

    /**
     * @param corpus       the current articles
     * @param labelledSets labelled sets (Lawyer LLaMA {query, laws}, LawBench 3-2) by name
     * @param nearMisses   hard-negative source; {@link NearMisses#NONE} for in-batch negatives only
     * @param nearMissK    how many near misses to fetch per question
     */
    public static RetrieverData load(List<Article> corpus, Map<String, Path> labelledSets, NearMisses nearMisses, int nearMissK) {
        RetrieverData data = new RetrieverData(corpus);
        ArticleCatalog catalog = ArticleCatalog.of(corpus);
        CitationParser parser = new CitationParser(LawNames.of(corpus));
        for (Map.Entry<String, Path> set : labelledSets.entrySet()) {
            List<LabelledQuestions.LabelledQuestion> questions;
            try {
                questions = LabelledQuestions.read(set.getValue(), parser);
            } catch (IllegalArgumentException e) {
                data.problems.add(set.getKey() + ": " + e.getMessage());
                continue;
            }
            for (LabelledQuestions.LabelledQuestion q : questions) {
                if (DevSplit.isDev(q.question())) {
                    continue;
                }
                List<Article> gold = new ArrayList<>();
                for (LabelledQuestions.GoldReference ref : q.gold()) {
                    Citation c = ref.citation();
                    java.util.Optional<Article> a = c == null ? java.util.Optional.empty() : catalog.find(c.law(), c.number(), c.suffix());
                    if (a.isPresent()) {
                        if (!gold.contains(a.get())) {
                            gold.add(a.get());
                        }
                    } else {
                        data.goldUnresolved.merge(set.getKey(), 1, Integer::sum);
                    }
                }
                if (gold.isEmpty()) {
                    continue;
                }
                List<String> earlier = q.earlierUserTurns();
                List<Article> misses = new ArrayList<>();
                if (nearMissK > 0) {
                    for (Article a : nearMisses.search(q.question(), earlier, nearMissK)) {
                        if (gold.stream().noneMatch(g -> sameArticle(g, a))) {
                            misses.add(a);
                        }
                    }
                }
                Pair pair = new Pair(set.getKey(), DenseEncoder.queryText(q.question(), earlier), gold, misses);
                (isValidation(q.question()) ? data.validation : data.fit).add(pair);
            }
        }
        return data;
    }

    public static boolean sameArticle(Article a, Article b) {
        return a.law().equals(b.law()) && a.number() == b.number() && a.suffix() == b.suffix();
    }

    /** One training question in ten (by a hash independent of the dev split's) validates. */
    public static boolean isValidation(String question) {
        return Math.floorMod(question.hashCode() * 31 + 17, 10) == 0;
    }

    public List<Article> corpus() {
        return corpus;
    }

    public List<Pair> fit() {
        return fit;
    }

    public List<Pair> validation() {
        return validation;
    }

    /** Sets that could not be read, with the reason. */
    public List<String> problems() {
        return problems;
    }

    /** Gold references that name no current article, per set. */
    public Map<String, Integer> goldUnresolved() {
        return goldUnresolved;
    }
}
