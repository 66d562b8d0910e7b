package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DenseTimingsTest {

    @Test
    void summarisesTheSearchesSinceAMarkAndForgetsTheOldestBeyondItsCapacity() {
        DenseTimings timings = new DenseTimings(100);
        assertThat(timings.latest(10).searches()).isZero();
        for (int i = 1; i <= 50; i++) {
            timings.add(i, 10 * i, 5 * i);
        }
        long mark = timings.count();
        for (int i = 1; i <= 100; i++) {
            timings.add(1000 + i, 2000 + i, 1500 + i);
        }
        DenseTimings.Summary since = timings.since(mark);
        assertThat(since.searches()).isEqualTo(100);
        assertThat(since.encodeP50Ms()).isEqualTo(1050);
        assertThat(since.encodeP99Ms()).isEqualTo(1099);
        assertThat(since.knnP50Ms()).isEqualTo(2050);
        assertThat(since.tookP99Ms()).isEqualTo(1599);
        // the first 50 were overwritten: a mark before them covers what is left
        assertThat(timings.since(0).searches()).isEqualTo(100);
        assertThat(timings.latest(10).encodeP50Ms()).isEqualTo(1095);
        assertThat(timings.since(timings.count()).searches()).isZero();
    }
}
