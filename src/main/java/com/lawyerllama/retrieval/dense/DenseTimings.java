package com.lawyerllama.retrieval.dense;

import com.lawyerllama.system.Percentiles;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the time of recent dense searches went (the last {@code capacity} of them): encoding the
 * question, the kNN request as the service waited for it, and the part of that Elasticsearch
 * reports as its own ({@code took}: the search on the node; the rest is the HTTP round trip and
 * reading the hits). {@code eval retrieval} reports them per set and mode; {@code GET /admin/retriever}
 * over the latest searches.
 */
public final class DenseTimings {

    /**
     * Nearest-rank percentiles, in milliseconds, of the searches counted.
     *
     * @param searches how many searches they cover
     */
    public record Summary(int searches, double encodeP50Ms, double encodeP99Ms, double knnP50Ms, double knnP99Ms,
                          double tookP50Ms, double tookP99Ms) {
    }

    private final double[] encode;
    private final double[] knn;
    private final double[] took;
    private long count;

    public DenseTimings(int capacity) {
        encode = new double[capacity];
        knn = new double[capacity];
        took = new double[capacity];
    }

    synchronized void add(double encodeMs, double knnMs, double tookMs) {
        int i = (int) (count % encode.length);
        encode[i] = encodeMs;
        knn[i] = knnMs;
        took[i] = tookMs;
        count++;
    }

    /** Searches recorded so far: a mark for {@link #since}. */
    public synchronized long count() {
        return count;
    }

    /** The searches recorded after {@code mark} ({@link #count()} taken earlier); at most the last {@code capacity}. */
    public synchronized Summary since(long mark) {
        long from = Math.max(Math.max(0, mark), count - encode.length);
        List<Double> e = new ArrayList<>();
        List<Double> k = new ArrayList<>();
        List<Double> t = new ArrayList<>();
        for (long s = from; s < count; s++) {
            int i = (int) (s % encode.length);
            e.add(encode[i]);
            k.add(knn[i]);
            t.add(took[i]);
        }
        e.sort(Double::compare);
        k.sort(Double::compare);
        t.sort(Double::compare);
        return new Summary(e.size(), Percentiles.of(e, 0.5), Percentiles.of(e, 0.99), Percentiles.of(k, 0.5),
                Percentiles.of(k, 0.99), Percentiles.of(t, 0.5), Percentiles.of(t, 0.99));
    }

    /** The latest {@code n} searches. */
    public Summary latest(int n) {
        return since(count() - n);
    }
}
