package com.lawyerllama.retrieval;

import com.lawyerllama.law.ReadProblem;
import java.util.List;

/**
 * What an import did so far (or in all): files and articles read, and for the articles written,
 * how many were created, updated, unchanged or failed, with the failed items and their reasons
 * (the first {@value CorpusImporter#MAX_REPORTED_FAILURES}) and the problems met while reading.
 */
public record ImportReport(
        String corpus,
        String index,
        int files,
        int articlesRead,
        int articles,
        int processed,
        int created,
        int updated,
        int unchanged,
        int failed,
        List<ArticleIndex.ItemFailure> failures,
        List<ReadProblem> readProblems,
        String lastArticleId,
        long durationMs) {

    static ImportReport start(String corpus, String index, int files, int articlesRead, int articles,
                              List<ReadProblem> problems) {
        return new ImportReport(corpus, index, files, articlesRead, articles, 0, 0, 0, 0, 0, List.of(), List.copyOf(problems), null, 0);
    }

    ImportReport plus(ArticleIndex.BulkOutcome outcome, String last) {
        int done = outcome.created() + outcome.updated() + outcome.unchanged() + outcome.failures().size();
        return new ImportReport(corpus, index, files, articlesRead, articles, processed + done, created + outcome.created(),
                updated + outcome.updated(), unchanged + outcome.unchanged(), failed + outcome.failures().size(),
                CorpusImporter.capped(failures, outcome.failures()), readProblems, last, durationMs);
    }

    ImportReport finished(long nanos) {
        return new ImportReport(corpus, index, files, articlesRead, articles, processed, created, updated, unchanged, failed,
                failures, readProblems, lastArticleId, nanos / 1_000_000);
    }

    /** One line for logs and the command line. */
    public String summary() {
        return String.format("%d files, %d articles read (%d distinct; the same law filed twice counts once): "
                        + "%d created, %d updated, %d unchanged, %d failed; %d read problems",
                files, articlesRead, articles, created, updated, unchanged, failed, readProblems.size());
    }
}
