package com.lawyerllama.law;

import java.util.Objects;

/**
 * A reference to one article, as found in a text by {@link CitationParser}.
 *
 * @param text      the citation as written (《中华人民共和国民法典》第五百八十六条, or just 第五百八十七条
 *                  for a later member of a list that shares the law named before it)
 * @param start     index of its first character in the parsed text
 * @param end       index after its last character
 * @param law       the law's normalised name (a corpus short name when the corpus has it)
 * @param number    article number (586)
 * @param suffix    0, or n for 之n
 * @param paragraph the 款 when one is named (第二款 → 2), else null
 */
public record Citation(String text, int start, int end, String law, int number, int suffix, Integer paragraph) {

    public Citation {
        Objects.requireNonNull(law, "law");
        if (number < 1 || suffix < 0 || paragraph != null && paragraph < 1) {
            throw new IllegalArgumentException("bad citation " + text);
        }
    }

    /** A citation not taken from a text (its text is the canonical form). */
    public static Citation of(String law, int number, int suffix, Integer paragraph) {
        String text = "《" + law + "》" + Article.articleLabel(number, suffix)
                + (paragraph == null ? "" : "第" + ChineseNumerals.format(paragraph) + "款");
        return new Citation(text, 0, text.length(), law, number, suffix, paragraph);
    }

    /** Canonical article citation: 《民法典》第五百八十六条 (any 款 left out, as in {@link Article#citation()}). */
    public String canonical() {
        return "《" + law + "》" + Article.articleLabel(number, suffix);
    }

    /** Canonical citation with the 款 when one was named: 《民法典》第五百八十六条第二款. */
    public String canonicalWithParagraph() {
        return paragraph == null ? canonical() : canonical() + "第" + ChineseNumerals.format(paragraph) + "款";
    }
}
