package com.lawyerllama.retrieval;

import java.util.regex.Pattern;

/**
 * Cleans a lay question for lexical search: conversational filler (请问, 我想咨询一下, 怎么办,
 * sentence-final 吗/呢 …) carries no legal content but adds noisy bigrams, so it is removed and
 * punctuation becomes space. Single characters are removed only where they cannot be part of a
 * statute word (a blanket stop-word list would cut 所有权 or 他人 apart).
 */
final class QueryText {
    private static final Pattern FILLER = Pattern.compile(String.join("|",
            "请问一下", "请问", "想咨询一下", "咨询一下", "我想咨询", "想问一下", "问一下", "我想知道", "想知道", "麻烦您",
            "您好", "你好", "律师", "谢谢", "怎么办", "怎么处理", "该怎么", "应该怎么", "怎么样", "如何处理", "可以吗",
            "能不能", "是不是", "有没有", "我们", "我", "您", "你"));
    private static final Pattern FINAL_PARTICLE = Pattern.compile("[吗呢吧啊呀么](?= |$)");
    private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}\\p{S}\\s]+");

    private QueryText() {
    }

    static String clean(String question) {
        String text = PUNCTUATION.matcher(question).replaceAll(" ");
        text = FILLER.matcher(text).replaceAll(" ");
        text = FINAL_PARTICLE.matcher(text.replaceAll(" +", " ").trim()).replaceAll("");
        return text.replaceAll(" +", " ").trim();
    }
}
