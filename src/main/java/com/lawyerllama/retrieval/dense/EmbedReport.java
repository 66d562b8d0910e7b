package com.lawyerllama.retrieval.dense;

import com.lawyerllama.retrieval.ArticleIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * What an embedding pass did so far (or in all).
 *
 * @param model             the retriever model's id
 * @param dims              its dimensions
 * @param index             the concrete index written
 * @param articles          articles that lacked the model's vector when the pass began
 * @param processed         articles handled so far
 * @param embedded          vectors written
 * @param withoutUnits      articles the model knows no unit of: marked as done without a vector
 * @param conflicts         articles an import changed while they were being embedded (left without a vector;
 *                          the next pass embeds them)
 * @param failed            articles Elasticsearch refused, with the first {@value #MAX_REPORTED_FAILURES} reasons in {@code failures}
 * @param durationMs        time so far
 * @param articlesPerSecond processed articles per second so far
 */
public record EmbedReport(String model, int dims, String index, long articles, long processed, long embedded,
                          long withoutUnits, long conflicts, long failed, List<ArticleIndex.ItemFailure> failures,
                          long durationMs, double articlesPerSecond) {

    static final int MAX_REPORTED_FAILURES = 1000;

    static EmbedReport start(String model, int dims, String index, long articles) {
        return new EmbedReport(model, dims, index, articles, 0, 0, 0, 0, 0, List.of(), 0, 0);
    }

    EmbedReport plus(ArticleIndex.VectorOutcome outcome, int withoutUnitsInBatch, long elapsedNanos) {
        long done = processed + outcome.written() + outcome.conflicts() + outcome.failures().size();
        List<ArticleIndex.ItemFailure> allFailures = new ArrayList<>(failures);
        for (ArticleIndex.ItemFailure f : outcome.failures()) {
            if (allFailures.size() >= MAX_REPORTED_FAILURES) {
                break;
            }
            allFailures.add(f);
        }
        int withoutUnitsWritten = Math.min(withoutUnitsInBatch, outcome.written());
        return new EmbedReport(model, dims, index, articles, done, embedded + outcome.written() - withoutUnitsWritten,
                withoutUnits + withoutUnitsWritten, conflicts + outcome.conflicts(), failed + outcome.failures().size(),
                List.copyOf(allFailures), elapsedNanos / 1_000_000, rate(done, elapsedNanos));
    }

    EmbedReport finished(long elapsedNanos) {
        return new EmbedReport(model, dims, index, articles, processed, embedded, withoutUnits, conflicts, failed, failures,
                elapsedNanos / 1_000_000, rate(processed, elapsedNanos));
    }

    private static double rate(long done, long nanos) {
        return nanos <= 0 ? 0 : Math.round(done / (nanos / 1e9) * 10) / 10.0;
    }

    /** Fraction of the articles handled, 0..1. */
    public double progress() {
        return articles == 0 ? 1 : Math.min(1, (double) processed / articles);
    }

    /** One line for logs and the command line. */
    public String summary() {
        return String.format("%d articles without model %s's vectors: %d embedded, %d without known units, "
                        + "%d changed meanwhile (run again), %d failed in %.1f s (%.0f articles/s)",
                articles, model, embedded, withoutUnits, conflicts, failed, durationMs / 1000.0, articlesPerSecond);
    }
}
