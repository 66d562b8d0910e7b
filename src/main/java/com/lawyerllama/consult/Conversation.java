package com.lawyerllama.consult;

import java.time.Instant;
import java.util.List;

/**
 * A consultation conversation: its turns and the articles pinned at the first turn, which later
 * turns reuse (the topic is assumed unchanged, as in Lawyer LLaMA).
 */
public record Conversation(String id, Instant createdAt, Instant updatedAt,
                           List<ConsultResponse.ArticleRef> articles, List<Turn> turns) {

    /** One question and its answer, with what was used and measured. */
    public record Turn(String question, String answer, Instant at, List<ConsultResponse.ArticleRef> articles,
                       List<ConsultResponse.CitationCheck> citations, ConsultResponse.Usage usage,
                       ConsultResponse.Timings timings) {
    }
}
