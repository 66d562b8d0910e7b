package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;

/** An article with the score a search gave it. */
public record ScoredArticle(Article article, double score, int citedBy) {
    public ScoredArticle(Article article, double score) {
        this(article, score, 0);
    }
}
