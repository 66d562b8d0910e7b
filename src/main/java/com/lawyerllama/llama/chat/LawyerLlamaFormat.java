package com.lawyerllama.llama.chat;

import com.lawyerllama.llama.PromptFormat;
import java.util.List;
import java.util.Set;

/**
 * Lawyer LLaMA's turn format, the one the training stages fine-tune with: the system text on its
 * own line, then {@code ### Human: …} and {@code ### Assistant: …} turns, one line each; the
 * generation prompt is the bare {@code ### Assistant:} (the answer's leading space is the model's
 * to write). Generation stops where the model starts the next human turn.
 */
public final class LawyerLlamaFormat implements ChatFormat {
    private final String humanPrefix;
    private final String assistantPrefix;

    /** With {@link PromptFormat#HUMAN} and {@link PromptFormat#ASSISTANT}. */
    public LawyerLlamaFormat() {
        this(PromptFormat.HUMAN, PromptFormat.ASSISTANT);
    }

    public LawyerLlamaFormat(String humanPrefix, String assistantPrefix) {
        this.humanPrefix = humanPrefix;
        this.assistantPrefix = assistantPrefix;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder();
        for (ChatMessage m : messages) {
            String content = m.content().strip();
            switch (m.role()) {
                case ChatMessage.SYSTEM -> {
                    if (!content.isEmpty()) {
                        text.append(content).append('\n');
                    }
                }
                case ChatMessage.USER -> text.append(humanPrefix).append(content).append('\n');
                case ChatMessage.ASSISTANT -> text.append(assistantPrefix).append(content).append('\n');
                default -> throw new ChatTemplateException("the Lawyer LLaMA format has no role '" + m.role() + "'");
            }
        }
        if (addGenerationPrompt) {
            text.append(assistantPrefix.stripTrailing());
        } else if (!text.isEmpty()) {
            text.setLength(text.length() - 1);
        }
        return text.toString();
    }

    @Override
    public List<String> stopStrings() {
        return List.of(humanPrefix.strip());
    }

    @Override
    public Set<Integer> endOfTurnIds() {
        return Set.of();
    }

    @Override
    public String kind() {
        return "Lawyer LLaMA";
    }

    @Override
    public String source() {
        return humanPrefix.strip() + " / " + assistantPrefix.strip();
    }
}
