package com.lawyerllama.system;

import java.util.List;

/** Nearest-rank percentiles of measured latencies (evaluation and benchmarks report the same way). */
public final class Percentiles {
    private Percentiles() {
    }

    /** The {@code p}-th percentile (0..1) of values sorted ascending, nearest rank; 0 when empty. */
    public static double of(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
