package com.lawyerllama.evaluation;

import com.lawyerllama.consult.ConsultResponse;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Answer-level citation metrics over a set of consultations, in the Lawyer LLaMA report's terms:
 * every citation in the answers is counted once in exactly one class.
 *
 * <ul>
 *   <li>{@code supported}: cites a gold article (whether or not it was given to the model);</li>
 *   <li>{@code redundant}: cites an article given to the model that is not among the gold ones;</li>
 *   <li>{@code fromMemory}: a real article that was neither given nor gold;</li>
 *   <li>{@code fabricated}: the cited article does not exist in the index;</li>
 *   <li>{@code wrong}: a citation whose law or number is malformed (第一千零七十九二条).</li>
 * </ul>
 * Plus the share of answers without any citation and the mean character-level ROUGE-L F1 against
 * the reference answers.
 */
public record AnswerCitationCounts(int answers, int withoutCitation, int citations, int supported, int redundant,
                                   int fromMemory, int fabricated, int wrong, double rougeLSum) {

    public static AnswerCitationCounts empty() {
        return new AnswerCitationCounts(0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Adds one answer.
     *
     * @param checks    the citation check of the answer (see {@code CitationChecker})
     * @param gold      the gold articles as canonical citations, 《民法典》第五百八十六条
     * @param answer    the model's answer
     * @param reference the reference answer
     */
    public AnswerCitationCounts add(List<ConsultResponse.CitationCheck> checks, Collection<String> gold, String answer,
                                    String reference) {
        Set<String> goldSet = Set.copyOf(gold);
        int s = 0;
        int r = 0;
        int m = 0;
        int f = 0;
        int w = 0;
        for (ConsultResponse.CitationCheck c : checks) {
            String status = c.status();
            if (ConsultResponse.CitationCheck.MALFORMED.equals(status)) {
                w++;
            } else if (!c.verified()) {
                f++;
            } else if (goldSet.contains("《" + c.law() + "》" + c.article())) {
                s++;
            } else if (c.provided()) {
                r++;
            } else {
                m++;
            }
        }
        return new AnswerCitationCounts(answers + 1, withoutCitation + (checks.isEmpty() ? 1 : 0), citations + checks.size(),
                supported + s, redundant + r, fromMemory + m, fabricated + f, wrong + w, rougeLSum + rougeL(answer, reference));
    }

    public double share(int count) {
        return citations == 0 ? 0 : (double) count / citations;
    }

    public double withoutCitationShare() {
        return answers == 0 ? 0 : (double) withoutCitation / answers;
    }

    public double meanRougeL() {
        return answers == 0 ? 0 : rougeLSum / answers;
    }

    /**
     * ROUGE-L F1 over characters (code points, whitespace removed; no word segmentation, so no
     * jieba): the longest common subsequence against both lengths, β = 1.
     */
    public static double rougeL(String candidate, String reference) {
        int[] a = (candidate == null ? "" : candidate).codePoints().filter(c -> !Character.isWhitespace(c)).toArray();
        int[] b = (reference == null ? "" : reference).codePoints().filter(c -> !Character.isWhitespace(c)).toArray();
        if (a.length == 0 || b.length == 0) {
            return 0;
        }
        int[] prev = new int[b.length + 1];
        int[] cur = new int[b.length + 1];
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        int lcs = prev[b.length];
        if (lcs == 0) {
            return 0;
        }
        double p = (double) lcs / a.length;
        double r = (double) lcs / b.length;
        return 2 * p * r / (p + r);
    }
}
