package com.lawyerllama.llama.chat;

/** A chat template that cannot be read or cannot render the given messages; the message says why. */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
