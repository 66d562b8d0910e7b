package com.lawyerllama.retrieval;

import java.util.List;

/**
 * Finds the statute articles a legal question rests on. The consultation flow asks it for the
 * top 3; the web page's statute search and the evaluation use it with other {@code k}.
 */
public interface ArticleRetriever {

    /**
     * @param question         the user's question
     * @param earlierQuestions the user's earlier turns in the conversation (may be empty)
     * @param k                how many articles at most
     */
    record Request(String question, List<String> earlierQuestions, int k) {
        public Request {
            earlierQuestions = earlierQuestions == null ? List.of() : List.copyOf(earlierQuestions);
        }

        public static Request of(String question, int k) {
            return new Request(question, List.of(), k);
        }
    }

    /**
     * One retrieved article.
     *
     * @param source {@code explicit} when the question cited it by number, else the retriever(s) that ranked it
     *               above their relevance floor: {@code bm25}, {@code dense} or {@code bm25+dense}
     * @param score  BM25 score (with the priors) in {@code bm25} mode, cosine similarity in {@code dense} mode,
     *               the fused score as a fraction of the best possible in {@code fused} mode
     */
    record Hit(com.lawyerllama.law.Article article, double score, String source) {
    }

    /** Best first; fewer than {@code k} (possibly none) when nothing else clears the relevance floor. */
    List<Hit> retrieve(Request request);
}
