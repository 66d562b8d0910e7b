package com.lawyerllama.retrieval.dense;

/** The configured retriever model cannot be served (missing or unreadable); stops the start. */
public class RetrieverModelException extends IllegalStateException {
    public RetrieverModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
