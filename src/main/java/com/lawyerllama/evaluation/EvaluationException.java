package com.lawyerllama.evaluation;

/**
 * A request the evaluation cannot run as given: an unknown task, a data file that cannot be
 * read, a model that cannot be loaded, a limit out of range. The message names the problem;
 * the CLI reports it with exit code 2, the admin API as a 400 problem.
 */
public class EvaluationException extends RuntimeException {
    public EvaluationException(String message) {
        super(message);
    }

    public EvaluationException(String message, Throwable cause) {
        super(message, cause);
    }
}
