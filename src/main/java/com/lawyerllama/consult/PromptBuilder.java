package com.lawyerllama.consult;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.springframework.stereotype.Component;

/**
 * Writes the consultation prompt in the configured format (Lawyer LLaMA's by default):
 * <pre>
 * {system}
 * ### Human: {earlier question}
 * ### Assistant: {earlier answer}
 * ### Human: {question}
 * ### 参考法条:
 * 《民法典》第五百八十六条：…
 * ### Assistant:</pre>
 * The prompt ends without a space after the assistant marker: the answer's leading space is the
 * model's to write, as in training ({@code SftEncoder}). History is trimmed oldest-first until
 * prompt and answer fit the model's context.
 */
@Component
public class PromptBuilder {

    /** An earlier exchange of the conversation. */
    public record Exchange(String question, String answer) {
    }

    /** The prompt and how many earlier exchanges it kept. */
    public record BuiltPrompt(String text, int tokens, int keptExchanges) {
    }

    private final ConsultProperties.Prompt format;

    public PromptBuilder(ConsultProperties properties) {
        this.format = properties.prompt();
    }

    /**
     * @param tokenCount counts the tokens of a prompt text (BOS included)
     * @param budget     tokens the prompt may use (context length minus the answer's maximum)
     * @throws PromptTooLongException when even the question alone does not fit
     */
    public BuiltPrompt build(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles,
                             ToIntFunction<String> tokenCount, int budget) {
        for (int skip = 0; skip <= history.size(); skip++) {
            String text = render(history.subList(skip, history.size()), question, articles);
            int tokens = tokenCount.applyAsInt(text);
            if (tokens <= budget) {
                return new BuiltPrompt(text, tokens, history.size() - skip);
            }
        }
        throw new PromptTooLongException(budget);
    }

    public String render(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles) {
        StringBuilder text = new StringBuilder();
        if (!format.system().isBlank()) {
            text.append(format.system().strip()).append('\n');
        }
        for (Exchange exchange : history) {
            text.append(format.humanPrefix()).append(exchange.question().strip()).append('\n');
            text.append(format.assistantPrefix()).append(exchange.answer().strip()).append('\n');
        }
        text.append(format.humanPrefix()).append(question.strip()).append('\n');
        if (!articles.isEmpty()) {
            text.append(format.articlesHeader()).append('\n');
            for (ConsultResponse.ArticleRef article : articles) {
                text.append(article.promptText()).append('\n');
            }
        }
        return text.append(format.assistantPrefix().stripTrailing()).toString();
    }

    /** Where the model would begin the next human turn: generation stops there. */
    public List<String> stopStrings() {
        List<String> stops = new ArrayList<>();
        stops.add(format.humanPrefix().strip());
        return stops;
    }

    /** The question (with the articles and the system text) is longer than the model's context allows. */
    public static class PromptTooLongException extends RuntimeException {
        public PromptTooLongException(int budget) {
            super("the question and its reference articles need more than the " + budget
                    + " prompt tokens this model's context allows; shorten the question or lower maxTokens");
        }
    }
}
