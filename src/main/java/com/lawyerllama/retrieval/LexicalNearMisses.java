package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import com.lawyerllama.retrieval.DistractorArticles;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The articles lexical search ranks highest for a question that are not its answer: the hardest
 * distractors for retrieval-augmented SFT and the dense retriever's hard negatives. Searches the
 * article index with BM25 (never the dense retriever, which is what these train); where the index
 * cannot answer (Elasticsearch down, index still building or empty) the distractors fall back to
 * random articles, and the hard negatives to none.
 */
public class LexicalNearMisses implements DistractorArticles {
    private static final Logger log = LoggerFactory.getLogger(LexicalNearMisses.class);
    private static final int CANDIDATES = 10;

    private final ElasticsearchArticleRetriever retriever;
    private final DistractorArticles fallback;
    private volatile boolean warned;

    public LexicalNearMisses(ElasticsearchArticleRetriever retriever, DistractorArticles fallback) {
        this.retriever = retriever;
        this.fallback = fallback;
    }

    @Override
    public List<Article> nearMisses(String question, List<String> earlierQuestions, int k) {
        try {
            String q = question.length() > 2000 ? question.substring(0, 2000) : question;
            return retriever.retrieve(new ArticleRetriever.Request(q, earlierQuestions, Math.min(k, 20)), RetrievalProperties.Mode.BM25).stream()
                    .filter(h -> !"explicit".equals(h.source()))
                    .map(ArticleRetriever.Hit::article).toList();
        } catch (RuntimeException e) {
            if (!warned) {
                warned = true;
                log.warn("No lexical near misses (the article index cannot answer: {}); training goes on without them", e.getMessage());
            }
            return List.of();
        }
    }

    @Override
    public List<String> distractors(String question, List<String> relevant, int count, Random random) {
        List<String> relevantCitations = relevant.stream().map(r -> r.contains("：") ? r.substring(0, r.indexOf('：')) : r).toList();
        List<String> candidates = new ArrayList<>();
        for (Article a : nearMisses(question, List.of(), CANDIDATES)) {
            if (!relevantCitations.contains(a.citation())) {
                candidates.add(a.promptText());
            }
        }
        List<String> out = new ArrayList<>(count);
        while (out.size() < count && !candidates.isEmpty()) {
            out.add(candidates.remove(random.nextInt(candidates.size())));
        }
        if (out.size() < count) {
            for (String extra : fallback.distractors(question, relevant, count - out.size(), random)) {
                if (!out.contains(extra)) {
                    out.add(extra);
                }
            }
        }
        return out;
    }
}
