package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleCatalog;
import com.lawyerllama.law.ArticleReadResult;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LawNames;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.law.ReadProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads a statute corpus and writes it into the article index in bulk. Ids are stable
 * (law + version + article), so a rerun is idempotent and an interrupted import is finished by
 * running it again; every failed item is reported with its reason.
 */
@Component
public class CorpusImporter {
    private static final Logger log = LoggerFactory.getLogger(CorpusImporter.class);
    static final int MAX_REPORTED_FAILURES = 1000;

    /** Progress of an import, called after each bulk request. */
    public interface Listener {
        void onRead(int files, int articles, List<ReadProblem> problems);

        void onProgress(ImportReport soFar);

        /** Reports nothing (the summary is the returned report). */
        Listener NONE = new Listener() {
            @Override
            public void onRead(int files, int articles, List<ReadProblem> problems) {
            }

            @Override
            public void onProgress(ImportReport soFar) {
            }
        };
    }

    private final ArticleIndex index;
    private final RetrievalProperties properties;

    public CorpusImporter(ArticleIndex index, RetrievalProperties properties) {
        this.index = index;
        this.properties = properties;
    }

    /**
     * Imports {@code corpus} into the index behind the alias. With {@code reindex}, everything
     * goes into a fresh versioned index that replaces the old one atomically only when the whole
     * import succeeded; a failed reindex leaves the old index serving.
     */
    public ImportReport importCorpus(Path corpus, boolean reindex, Listener listener) {
        if (!Files.isDirectory(corpus)) {
            throw new IllegalArgumentException("corpus directory not found: " + corpus);
        }
        long started = System.nanoTime();
        ArticleReadResult read = LawRefBookReader.read(corpus);
        List<Article> articles = read.uniqueArticles();
        listener.onRead(read.files().size(), read.articles().size(), read.problems());
        Map<String, Integer> citedBy = citationCounts(articles);
        String target = reindex ? index.createVersionedIndex() : index.ensureIndex();
        ImportReport report = ImportReport.start(corpus.toString(), target, read.files().size(), read.articles().size(),
                articles.size(), read.problems());
        int batch = Math.max(1, properties.bulkSize());
        try {
            for (int from = 0; from < articles.size(); from += batch) {
                List<Article> slice = articles.subList(from, Math.min(articles.size(), from + batch));
                ArticleIndex.BulkOutcome outcome = index.upsert(target, slice, citedBy);
                report = report.plus(outcome, slice.get(slice.size() - 1).id());
                listener.onProgress(report);
            }
        } catch (RuntimeException e) {
            if (reindex) {
                index.deleteIndex(target);
            }
            throw new ImportInterruptedException(report, e);
        }
        if (reindex) {
            if (report.failed() > 0) {
                index.deleteIndex(target);
                log.warn("Reindex of {} had {} failed items; the previous index keeps serving", corpus, report.failed());
            } else {
                index.compact(target);
                String old = index.currentIndex().orElse(null);
                index.swapAlias(target);
                if (old != null && !old.equals(target)) {
                    index.deleteIndex(old);
                }
            }
        } else {
            index.compact(target);
        }
        index.refresh();
        return report.finished(System.nanoTime() - started);
    }

    /**
     * How often each article is cited by other articles of the corpus (judicial interpretations
     * and regulations cite the laws they apply): a corpus-wide popularity signal that needs no
     * labelled data.
     */
    static Map<String, Integer> citationCounts(List<Article> articles) {
        ArticleCatalog catalog = ArticleCatalog.of(articles);
        CitationParser parser = new CitationParser(LawNames.of(articles));
        Map<String, Integer> counts = new HashMap<>();
        for (Article article : articles) {
            if (!article.current()) {
                continue;
            }
            for (Citation citation : parser.citationsOfOtherLaws(article)) {
                catalog.resolve(citation).ifPresent(target -> counts.merge(target.id(), 1, Integer::sum));
            }
        }
        return counts;
    }

    /** An import stopped by an error (e.g. Elasticsearch went away); the report says how far it got. */
    public static final class ImportInterruptedException extends RuntimeException {
        private final ImportReport report;

        ImportInterruptedException(ImportReport report, Throwable cause) {
            super("import stopped after " + report.processed() + " of " + report.articles()
                    + " articles (last written: " + report.lastArticleId() + "): " + cause.getMessage()
                    + "; run the import again to finish it", cause);
            this.report = report;
        }

        public ImportReport report() {
            return report;
        }
    }

    static List<ArticleIndex.ItemFailure> capped(List<ArticleIndex.ItemFailure> a, List<ArticleIndex.ItemFailure> b) {
        List<ArticleIndex.ItemFailure> all = new ArrayList<>(a);
        for (ArticleIndex.ItemFailure f : b) {
            if (all.size() >= MAX_REPORTED_FAILURES) {
                break;
            }
            all.add(f);
        }
        return all;
    }
}
