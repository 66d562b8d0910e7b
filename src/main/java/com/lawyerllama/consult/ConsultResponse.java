package com.lawyerllama.consult;

import java.util.List;

/**
 * The answer with the articles it rests on and every citation in it checked.
 *
 * @param articlesUnavailable true when retrieval was down and the model answered without articles
 *                            ({@code lawyer.consult.answer-without-articles})
 * @param finishReason        why the answer ended: {@code stop} (the model finished) or {@code length}
 *                            (maxTokens or the context was reached)
 */
public record ConsultResponse(String conversationId, String answer, List<ArticleRef> articles,
                              List<CitationCheck> citations, Usage usage, Timings timings,
                              Boolean articlesUnavailable, String finishReason) {

    /** A reference article given to the model. */
    public record ArticleRef(String id, String law, String article, String text, Double score) {
        /** The form the prompt uses: 《民法典》第五百八十六条：text. */
        public String promptText() {
            return "《" + law + "》" + article + "：" + text.replace('\n', ' ');
        }
    }

    /**
     * A citation found in the answer.
     *
     * @param verified the cited article exists in the statute index
     * @param provided it was one of the articles given to the model
     */
    public record CitationCheck(String text, String law, String article, String articleId, boolean verified,
                                boolean provided) {
    }

    public record Usage(int promptTokens, int completionTokens) {
    }

    /**
     * @param retrievalMs  finding the articles
     * @param firstTokenMs from the request's start to the first answer token
     * @param generationMs the model's own time (prefill and decoding, waiting for a slot excluded)
     * @param totalMs      the whole turn inside the service, storing it included
     */
    public record Timings(long retrievalMs, long firstTokenMs, long generationMs, long totalMs) {
    }
}
