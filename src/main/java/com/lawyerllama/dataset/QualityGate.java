package com.lawyerllama.dataset;

import com.lawyerllama.consult.CitationChecker;
import com.lawyerllama.consult.ConsultResponse;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a teacher's answer may become a training target, with the service's own
 * citation checker: every 《…》第…条 in it must exist in the statute index; when the question is in
 * the articles' scope (the retriever found relevant articles for it) the answer must cite at least
 * one of them; it must not cite the distractor it was given; and it must be at least
 * {@code minAnswerChars} long. Each failure has a reason, written to the rejects file.
 */
final class QualityGate {
    static final String FABRICATED = "fabricated-citation";
    static final String NO_GIVEN_ARTICLE = "no-given-article-cited";
    static final String CITED_DISTRACTOR = "cited-distractor";
    static final String TOO_SHORT = "too-short";

    /** Why an answer was refused. */
    record Verdict(String reason, String detail) {
    }

    private final CitationChecker checker;
    private final int minAnswerChars;

    QualityGate(CitationChecker checker, int minAnswerChars) {
        this.checker = checker;
        this.minAnswerChars = minAnswerChars;
    }

    /**
     * @param given      the articles in the teacher's prompt (distractor included)
     * @param distractor the given article that is a near miss on purpose, or null
     * @param firstTurn  the answer to the question itself (later turns of a dialogue need not cite again nor be long)
     * @param requireCitation whether a first answer must cite a given article when the question is in their scope
     */
    Optional<Verdict> check(String answer, List<ConsultResponse.ArticleRef> given, ConsultResponse.ArticleRef distractor,
                            boolean firstTurn, boolean requireCitation) {
        List<ConsultResponse.CitationCheck> checks = checker.check(answer, given);
        for (ConsultResponse.CitationCheck c : checks) {
            if (!c.verified()) {
                return Optional.of(new Verdict(FABRICATED, c.text() + " is not in the statute index"));
            }
        }
        if (distractor != null) {
            for (ConsultResponse.CitationCheck c : checks) {
                if (distractor.id().equals(c.articleId())) {
                    return Optional.of(new Verdict(CITED_DISTRACTOR, c.text() + " was the irrelevant article given on purpose"));
                }
            }
        }
        if (!firstTurn) {
            return Optional.empty();
        }
        boolean inScope = given.stream().anyMatch(a -> distractor == null || !a.id().equals(distractor.id()));
        boolean citesGiven = checks.stream().anyMatch(c -> c.provided() && (distractor == null || !distractor.id().equals(c.articleId())));
        if (requireCitation && inScope && !citesGiven) {
            return Optional.of(new Verdict(NO_GIVEN_ARTICLE, checks.isEmpty() ? "the answer cites no article"
                    : "the answer cites only " + checks.stream().map(ConsultResponse.CitationCheck::text).toList()));
        }
        int length = answer.strip().codePointCount(0, answer.strip().length());
        if (length < minAnswerChars) {
            return Optional.of(new Verdict(TOO_SHORT, length + " characters, fewer than " + minAnswerChars));
        }
        return Optional.empty();
    }
}
