package com.lawyerllama.llama;

import java.util.List;

/**
 * The constants of Lawyer LLaMA's turn format, the text the model is fine-tuned on: the system
 * text, then {@code ### Human: …} and {@code ### Assistant: …} turns, ending with an open
 * assistant turn for the model to complete ({@link com.lawyerllama.llama.chat.LawyerLlamaFormat}
 * renders chat messages in it).
 */
public final class PromptFormat {
    public static final String HUMAN = "### Human: ";
    public static final String ASSISTANT = "### Assistant: ";
    /** Generation stops where the model starts to write the next human turn. */
    public static final List<String> STOP_STRINGS = List.of("### Human:");
    /**
     * The system line the model is fine-tuned with and served with: who it is, and that the
     * reference articles it is given may be irrelevant and must not be cited then.
     */
    public static final String SYSTEM_PROMPT = "你是Lawyer LLaMA，一位专业的中国法律咨询助手，依据中国法律回答用户的问题。"
            + "对话中给出的参考法条可能与问题无关；与问题无关的法条不要引用。";
    /** The heading of the reference-articles block that follows the user's question. */
    public static final String ARTICLES_HEADING = "### 参考法条:";

    private PromptFormat() {
    }

    /**
     * A user turn with reference articles: the question, then {@code ### 参考法条:} and one
     * article ({@code 《民法典》第一千零八十七条：text}) per line. No articles: the question alone.
     */
    public static String userContent(String question, List<String> articles) {
        if (articles == null || articles.isEmpty()) {
            return question.strip();
        }
        return question.strip() + "\n" + ARTICLES_HEADING + "\n" + String.join("\n", articles.stream().map(String::strip).toList());
    }
}
