package com.lawyerllama.consult;

import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.llama.chat.LawyerLlamaFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.springframework.stereotype.Component;

/**
 * Builds the consultation prompt as chat messages:
 * <ul>
 *   <li>system: the configured instructions (who answers, and that the given articles may be
 *       irrelevant and must then not be cited);</li>
 *   <li>the earlier exchanges of the conversation as user / assistant messages;</li>
 *   <li>user: the current question, then {@code ### 参考法条:} and one article per line.</li>
 * </ul>
 * The messages are rendered by the served model's {@link ChatFormat}: its own chat template, or
 * (checkpoints without one, and {@code lawyer.model.chat-format=lawyer-llama}) the Lawyer LLaMA
 * format with the configured prefixes:
 * <pre>
 * {system}
 * ### Human: {earlier question}
 * ### Assistant: {earlier answer}
 * ### Human: {question}
 * ### 参考法条:
 * 《民法典》第五百八十六条：…
 * ### Assistant:</pre>
 * The Lawyer LLaMA prompt ends without a space after the assistant marker: the answer's leading
 * space is the model's to write, as in training ({@code SftEncoder}). History is trimmed
 * oldest-first until prompt and answer fit the model's context.
 */
@Component
public class PromptBuilder {

    /** An earlier exchange of the conversation. */
    public record Exchange(String question, String answer) {
    }

    /** The prompt's messages, their rendered text, its tokens and how many earlier exchanges it kept. */
    public record BuiltPrompt(List<ChatMessage> messages, String text, int tokens, int keptExchanges) {
    }

    private final ConsultProperties.Prompt format;

    public PromptBuilder(ConsultProperties properties) {
        this.format = properties.prompt();
    }

    /** As {@link #build(List, String, List, ChatFormat, ToIntFunction, int)} in the Lawyer LLaMA format. */
    public BuiltPrompt build(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles,
                             ToIntFunction<String> tokenCount, int budget) {
        return build(history, question, articles, lawyerLlama(), tokenCount, budget);
    }

    /**
     * @param chat       renders the messages (see {@link #formatFor})
     * @param tokenCount counts the tokens of a prompt text (BOS included where the tokenizer adds one)
     * @param budget     tokens the prompt may use (context length minus the answer's maximum)
     * @throws PromptTooLongException when even the question alone does not fit
     */
    public BuiltPrompt build(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles,
                             ChatFormat chat, ToIntFunction<String> tokenCount, int budget) {
        for (int skip = 0; skip <= history.size(); skip++) {
            List<ChatMessage> messages = messages(history.subList(skip, history.size()), question, articles);
            String text = chat.render(messages, true);
            int tokens = tokenCount.applyAsInt(text);
            if (tokens <= budget) {
                return new BuiltPrompt(messages, text, tokens, history.size() - skip);
            }
        }
        throw new PromptTooLongException(budget);
    }

    /** The system message, the earlier exchanges, and the question with its reference articles. */
    public List<ChatMessage> messages(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles) {
        List<ChatMessage> messages = new ArrayList<>();
        if (!format.system().isBlank()) {
            messages.add(ChatMessage.system(format.system().strip()));
        }
        for (Exchange exchange : history) {
            messages.add(ChatMessage.user(exchange.question().strip()));
            messages.add(ChatMessage.assistant(exchange.answer().strip()));
        }
        StringBuilder user = new StringBuilder(question.strip());
        if (!articles.isEmpty()) {
            user.append('\n').append(format.articlesHeader());
            for (ConsultResponse.ArticleRef article : articles) {
                user.append('\n').append(article.promptText());
            }
        }
        messages.add(ChatMessage.user(user.toString()));
        return messages;
    }

    /** The prompt in the Lawyer LLaMA format (the configured prefixes). */
    public String render(List<Exchange> history, String question, List<ConsultResponse.ArticleRef> articles) {
        return lawyerLlama().render(messages(history, question, articles), true);
    }

    /**
     * The format to render with for a model served with {@code served}: its own template, or the
     * Lawyer LLaMA format with this builder's configured prefixes.
     */
    public ChatFormat formatFor(ChatFormat served) {
        return served == null || served instanceof LawyerLlamaFormat ? lawyerLlama() : served;
    }

    private ChatFormat lawyerLlama() {
        return new LawyerLlamaFormat(format.humanPrefix(), format.assistantPrefix());
    }

    /** Where the model would begin the next human turn (Lawyer LLaMA format): generation stops there. */
    public List<String> stopStrings() {
        return lawyerLlama().stopStrings();
    }

    /** The question (with the articles and the system text) is longer than the model's context allows. */
    public static class PromptTooLongException extends RuntimeException {
        public PromptTooLongException(int budget) {
            super("the question and its reference articles need more than the " + budget
                    + " prompt tokens this model's context allows; shorten the question or lower maxTokens");
        }
    }
}
