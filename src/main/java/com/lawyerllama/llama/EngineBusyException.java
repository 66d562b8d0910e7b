package com.lawyerllama.llama;

/** All generation slots and the waiting queue are taken; the caller should retry later (HTTP 429). */
public class EngineBusyException extends RuntimeException {
    private final int retryAfterSeconds;

    public EngineBusyException(int running, int queued, int retryAfterSeconds) {
        super("the model is busy: " + running + " generations running and " + queued + " waiting; retry in "
                + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Busy for another reason (a remote model server's own 429), with the detail given. */
    public EngineBusyException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A suggested Retry-After in seconds. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
