package com.lawyerllama.law;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the article a {@link Citation} names. {@link ArticleCatalog} does it in memory; the
 * retrieval package puts one over the Elasticsearch index.
 *
 * <p>Contract: the citation's {@code law} is a normalised short name; the answer is the current
 * version's article, or when the current version lacks that number, the newest version that has
 * it; empty when no version has it. The 款 of a citation does not take part.
 */
public interface ArticleResolver {

    Optional<Article> resolve(Citation citation);

    /** One answer per citation, in order. Implementations may override to batch lookups. */
    default List<Optional<Article>> resolveAll(List<Citation> citations) {
        List<Optional<Article>> answers = new ArrayList<>(citations.size());
        for (Citation c : citations) {
            answers.add(resolve(c));
        }
        return answers;
    }
}
