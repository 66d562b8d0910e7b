package com.lawyerllama.llama;

import java.util.List;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;

/**
 * Renders chat messages as the text the model was fine-tuned on, Lawyer LLaMA's turn format:
 * the system text, then {@code ### Human: …} and {@code ### Assistant: …} turns, ending with an
 * open assistant turn for the model to complete.
 */
public final class PromptFormat {
    public static final String HUMAN = "### Human: ";
    public static final String ASSISTANT = "### Assistant: ";
    /** Generation stops where the model starts to write the next human turn. */
    public static final List<String> STOP_STRINGS = List.of("### Human:");

    private PromptFormat() {
    }

    public static String render(List<Message> messages) {
        StringBuilder text = new StringBuilder();
        for (Message m : messages) {
            String content = m.getText() == null ? "" : m.getText().strip();
            if (m.getMessageType() == MessageType.SYSTEM) {
                text.append(content).append('\n');
            } else if (m.getMessageType() == MessageType.USER) {
                text.append(HUMAN).append(content).append('\n');
            } else if (m.getMessageType() == MessageType.ASSISTANT) {
                text.append(ASSISTANT).append(content).append('\n');
            }
        }
        return text.append(ASSISTANT.stripTrailing()).toString();
    }
}
