package com.lawyerllama.evaluation;

import java.util.List;

/**
 * What a task's reader found in its files.
 *
 * @param items     the questions that can be scored, in file order
 * @param malformed records that could not be read as a question, each with its position
 * @param excluded  well-formed records the task does not score (e.g. multi-answer JEC-QA questions), by reason
 */
public record TaskData(List<EvalItem> items, List<Problem> malformed, java.util.Map<String, Integer> excluded) {

    /** A record that is not a well-formed question. */
    public record Problem(String file, long position, String reason) {
        @Override
        public String toString() {
            return file + " #" + position + ": " + reason;
        }
    }
}
