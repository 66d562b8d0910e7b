package com.lawyerllama.retrieval.dense;

import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.retrieval.RetrievalProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.springframework.stereotype.Component;

/**
 * An embedding pass: computes the retriever model's vectors for every article of the index that
 * does not carry them yet (new articles, articles an import changed, or all of them after another
 * model was activated), {@code batch-size} articles per encoder call and bulk request. Each vector
 * is written only if its article did not change since it was read. Articles that already carry the
 * model's vectors are never read, so an interrupted pass is finished by running it again.
 */
@Component
public class ArticleEmbedder {

    /** Progress of a pass, after each batch. */
    public interface Listener {
        void onProgress(EmbedReport soFar);

        /** Asked before each batch: true ends the pass early (it returns what it did). */
        default boolean stopRequested() {
            return false;
        }
    }

    private final ArticleIndex index;
    private final RetrievalProperties properties;

    public ArticleEmbedder(ArticleIndex index, RetrievalProperties properties) {
        this.index = index;
        this.properties = properties;
    }

    /**
     * Embeds the articles behind the alias that lack {@code encoder}'s vectors. Writing a batch
     * overlaps with reading and encoding the next one (Elasticsearch indexes while the encoder runs).
     *
     * @throws IllegalStateException when there is no index yet, or it holds vectors of other dimensions
     * @throws EmbeddingInterruptedException when Elasticsearch fails mid-way (the report says how far it got)
     */
    public EmbedReport embed(DenseEncoder encoder, Listener listener) {
        long started = System.nanoTime();
        String target = index.currentIndex().orElseThrow(() -> new IllegalStateException(
                "there is no article index yet: import a corpus first"));
        index.ensureVectorField(target, encoder.dims());
        String model = encoder.vectorId();
        EmbedReport report = EmbedReport.start(model, encoder.dims(), target, index.countWithoutVectors(target, model));
        listener.onProgress(report);
        int batch = Math.max(1, properties.dense().batchSize());
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "embedding-writer");
            t.setDaemon(true);
            return t;
        });
        Future<ArticleIndex.VectorOutcome> writing = null;
        int writingWithoutUnits = 0;
        String after = null;
        try {
            while (!listener.stopRequested()) {
                List<ArticleIndex.PendingArticle> page = index.withoutVectors(target, model, after, batch);
                if (page.isEmpty()) {
                    break;
                }
                after = page.get(page.size() - 1).article().id();
                // Text and memory row, exactly as training scored articles.
                float[][] vectors = encoder.encodeArticles(page.stream().map(ArticleIndex.PendingArticle::article).toList());
                List<ArticleIndex.VectorWrite> writes = new ArrayList<>(page.size());
                int withoutUnits = 0;
                for (int i = 0; i < page.size(); i++) {
                    ArticleIndex.PendingArticle p = page.get(i);
                    // A text with no unit the model knows encodes to the zero vector, which a dot-product
                    // field refuses: it is marked as done without one (and is never a dense hit).
                    boolean known = DenseSearch.norm(vectors[i]) > 0.5;
                    if (!known) {
                        withoutUnits++;
                    }
                    writes.add(new ArticleIndex.VectorWrite(p.article().id(), known ? vectors[i] : null, p.seqNo(), p.primaryTerm()));
                }
                if (writing != null) {
                    report = report.plus(await(writing), writingWithoutUnits, System.nanoTime() - started);
                    writing = null;
                    listener.onProgress(report);
                }
                writing = writer.submit(() -> index.writeVectors(target, model, writes));
                writingWithoutUnits = withoutUnits;
            }
            if (writing != null) {
                report = report.plus(await(writing), writingWithoutUnits, System.nanoTime() - started);
                writing = null;
                listener.onProgress(report);
            }
        } catch (RuntimeException e) {
            if (writing != null) {
                // the batch being written lands or fails whatever happens here: count it if it landed
                try {
                    report = report.plus(await(writing), writingWithoutUnits, System.nanoTime() - started);
                } catch (RuntimeException ignored) {
                    // reported through e
                }
            }
            throw new EmbeddingInterruptedException(report, e);
        } finally {
            writer.shutdown();
        }
        index.compact(target);
        index.refresh();
        return report.finished(System.nanoTime() - started);
    }

    private static ArticleIndex.VectorOutcome await(Future<ArticleIndex.VectorOutcome> writing) {
        try {
            return writing.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing vectors", e);
        }
    }

    /** A pass stopped by an error; the report says how far it got. */
    public static final class EmbeddingInterruptedException extends RuntimeException {
        private final EmbedReport report;

        EmbeddingInterruptedException(EmbedReport report, Throwable cause) {
            super("embedding stopped after " + report.processed() + " of " + report.articles() + " articles: "
                    + cause.getMessage() + "; run it again to finish", cause);
            this.report = report;
        }

        public EmbedReport report() {
            return report;
        }
    }
}
