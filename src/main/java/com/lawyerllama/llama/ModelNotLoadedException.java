package com.lawyerllama.llama;

/** No model is configured ({@code lawyer.model.path} unset) or it failed to load. */
public class ModelNotLoadedException extends IllegalStateException {
    public ModelNotLoadedException(String message) {
        super(message);
    }
}
