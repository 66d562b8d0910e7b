package com.lawyerllama.llama.gguf;

/** A GGUF file that cannot be read: the message names the file and the problem (and the tensor, where one is at fault). */
public class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }
}
