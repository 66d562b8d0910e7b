package com.lawyerllama.law;

/**
 * Something a corpus reader could not use, kept in the result instead of stopping the read.
 *
 * @param file   the file, relative to the corpus root (or as given)
 * @param line   1-based line, or 0 for the whole file
 * @param reason what was wrong, in words
 */
public record ReadProblem(String file, int line, String reason) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + reason;
    }
}
