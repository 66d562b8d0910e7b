package com.lawyerllama.cli;

/** A problem with what the user typed: reported without a stack trace, exit code 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
