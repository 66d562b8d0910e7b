package com.lawyerllama.consult;

import com.lawyerllama.llama.PromptFormat;
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
     * The Lawyer LLaMA format by default, exactly as the training stages fine-tune with
     * ({@link PromptFormat}): system text, then {@code ### Human: …} / {@code ### Assistant: …} turns;
     * the current question is followed by {@code ### 参考法条:} and one article per line.
     */
    public record Prompt(
            @DefaultValue(PromptFormat.SYSTEM_PROMPT) String system,
            @DefaultValue(PromptFormat.HUMAN) String humanPrefix,
            @DefaultValue(PromptFormat.ASSISTANT) String assistantPrefix,
            @DefaultValue(PromptFormat.ARTICLES_HEADING) String articlesHeader) {

        /** The format the training stages fine-tune with ({@link PromptFormat}). */
        public static Prompt lawyerLlama() {
            return new Prompt(PromptFormat.SYSTEM_PROMPT, PromptFormat.HUMAN, PromptFormat.ASSISTANT,
                    PromptFormat.ARTICLES_HEADING);
        }
    }
}
