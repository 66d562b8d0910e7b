package com.lawyerllama.consult;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Consultation limits and the prompt template.
 *
 * @param maxQuestionLength       longest question, in characters
 * @param maxBodyBytes            largest request body accepted by {@code POST /consult}
 * @param maxTokensLimit          largest {@code maxTokens} a caller may ask for
 * @param articles                reference articles given to the model (Lawyer LLaMA: 3)
 * @param answerWithoutArticles   when retrieval is unavailable, answer without articles (flagged in the
 *                                response) instead of refusing with 503
 * @param conversationIndex       Elasticsearch index holding conversations
 * @param streamTimeout           longest a streamed answer may take
 * @param prompt                  the prompt template (the format the served checkpoint was trained on)
 */
@ConfigurationProperties(prefix = "lawyer.consult")
public record ConsultProperties(
        @DefaultValue("2000") int maxQuestionLength,
        @DefaultValue("16384") int maxBodyBytes,
        @DefaultValue("1024") int maxTokensLimit,
        @DefaultValue("3") int articles,
        @DefaultValue("false") boolean answerWithoutArticles,
        @DefaultValue("conversations") String conversationIndex,
        @DefaultValue("300s") java.time.Duration streamTimeout,
        @DefaultValue Prompt prompt) {

    /**
     * The Lawyer LLaMA format by default: system text, then {@code ### Human: …} / {@code ### Assistant: …}
     * turns; the current question is followed by {@code ### 参考法条:} and one article per line.
     */
    public record Prompt(
            @DefaultValue(DEFAULT_SYSTEM) String system,
            @DefaultValue("### Human: ") String humanPrefix,
            @DefaultValue("### Assistant: ") String assistantPrefix,
            @DefaultValue("### 参考法条:") String articlesHeader) {
    }

    public static final String DEFAULT_SYSTEM = "你是一位专业的中国律师助手，根据中国法律回答用户的法律咨询。"
            + "回答时请引用相关法条，格式如《民法典》第五百八十六条。"
            + "下面给出的参考法条可能与问题无关；与问题无关的法条不要引用。";
}
