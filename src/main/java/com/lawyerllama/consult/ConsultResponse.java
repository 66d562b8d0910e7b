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
     * A citation found in the answer, in one of the states a lawyer needs told apart.
     *
     * @param verified the cited article exists in the statute index
     * @param provided it was one of the articles given to the model
     * @param status   {@code provided}: one of the articles given to the model; {@code from-memory}: a real
     *                 article the model was not given, so not checked against the question;
     *                 {@code not-found}: no such article in the index; {@code malformed}: written as a
     *                 citation but its number cannot be read (第一千零七十九二条)
     * @param reason   the state in words, for the page and for logs
     */
    public record CitationCheck(String text, String law, String article, String articleId, boolean verified,
                                boolean provided, String status, String reason) {
        public static final String PROVIDED = "provided";
        public static final String FROM_MEMORY = "from-memory";
        public static final String NOT_FOUND = "not-found";
        public static final String MALFORMED = "malformed";

        /** A resolvable-or-not citation whose state follows from {@code verified} and {@code provided}. */
        public CitationCheck(String text, String law, String article, String articleId, boolean verified, boolean provided) {
            this(text, law, article, articleId, verified, provided, statusOf(verified, provided), reasonOf(verified, provided));
        }

        /** A citation whose number cannot be read. */
        public static CitationCheck malformed(String text, String law, String reason) {
            return new CitationCheck(text, law, null, null, false, false, MALFORMED, reason);
        }

        private static String statusOf(boolean verified, boolean provided) {
            return provided ? PROVIDED : verified ? FROM_MEMORY : NOT_FOUND;
        }

        private static String reasonOf(boolean verified, boolean provided) {
            return provided ? "one of the reference articles given to the model"
                    : verified ? "a real article the model was not given: quoted from memory, not checked against the question"
                    : "no such article in the statute index";
        }
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
