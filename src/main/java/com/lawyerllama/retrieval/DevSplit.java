package com.lawyerllama.retrieval;

/**
 * The held-out part of a labelled set: one question in five, chosen by a hash of the question's
 * text (stable across runs and independent of file order). Evaluation reports on it; anything
 * fitted to labelled data (a trained retriever, tuned weights) uses only the rest.
 */
public final class DevSplit {
    private DevSplit() {
    }

    public static boolean isDev(String question) {
        return Math.floorMod(question.hashCode(), 5) == 0;
    }
}
