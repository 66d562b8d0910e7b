package com.lawyerllama.dataset;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far a build got: kept in the progress file after every chunk, shown by the job API while it
 * runs, written as the summary when it ends. Counts cover the whole output, earlier runs included.
 *
 * @param questions        questions the build goes through (the file's, or its limit)
 * @param processed        questions done: written, rejected or skipped (the next question is the one at this index)
 * @param written          records in the output
 * @param rejected         questions set aside, by reason (each with its question in the rejects file)
 * @param requests         teacher requests made (retries included)
 * @param retries          requests that were repeats of a failed one
 * @param promptTokens     prompt tokens the teacher reported
 * @param completionTokens completion tokens the teacher reported
 * @param costEstimate     from the configured prices per million tokens; null when none is configured
 */
public record BuildReport(String output, String rejects, String outputFormat, String teacher, int questions,
                          int processed, int written, Map<String, Integer> rejected, long requests, long retries,
                          long promptTokens, long completionTokens, Double costEstimate) {

    public BuildReport {
        rejected = rejected == null ? Map.of() : new TreeMap<>(rejected);
    }

    public int rejectedTotal() {
        return rejected.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** One line for logs and the command line. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "%d of %d questions: %d written, %d rejected %s; %d requests (%d retries), "
                        + "%d prompt + %d completion tokens%s", processed, questions, written, rejectedTotal(), rejected,
                requests, retries, promptTokens, completionTokens,
                costEstimate == null ? "" : String.format(java.util.Locale.ROOT, ", cost ≈ %.4f", costEstimate));
    }
}
