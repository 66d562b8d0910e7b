package com.lawyerllama.llama;

/** A model directory or checkpoint file that cannot be used; the message names the problem. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }
}
