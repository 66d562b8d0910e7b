package com.lawyerllama.retrieval;

import java.util.List;
import java.util.Random;

/**
 * Irrelevant statute articles to mix into a retrieval-augmented SFT prompt, so the model learns
 * to ignore (and not cite) articles that do not bear on the question. The retriever's near
 * misses make the hardest distractors; {@link RandomStatuteDistractors} draws random ones.
 */
public interface DistractorArticles {

    /**
     * @param question the user's question
     * @param relevant the articles the example's answer relies on ({@code 《X法》第Y条：text}); never returned
     * @param count    how many distractors to return
     * @param random   the only source of randomness (training must be reproducible)
     * @return {@code count} articles in the prompt form {@code 《X法》第Y条：text}
     */
    List<String> distractors(String question, List<String> relevant, int count, Random random);

    /**
     * The articles a lexical search ranks highest for a question (the dense retriever's hard
     * negatives, once its gold articles are removed); empty when no such search is at hand.
     */
    default List<com.lawyerllama.law.Article> nearMisses(String question, List<String> earlierQuestions, int k) {
        return List.of();
    }
}
