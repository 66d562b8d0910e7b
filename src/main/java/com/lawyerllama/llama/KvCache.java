package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * Keys and values of the positions each sequence (row) has seen, per layer, preallocated to
 * a fixed capacity ([rows, K, capacity, E] each) so a decode step writes one slot instead of
 * copying. A forward over B rows uses rows 0..B-1; rows may be at different positions
 * (continuous batching), each with its own length.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final NDManager manager;
    private final int capacity;
    private final int[] lengths;

    KvCache(LlamaConfig config, int rows, int capacity, NDManager owner, DataType dtype) {
        this.manager = owner.newSubManager();
        this.capacity = capacity;
        this.lengths = new int[rows];
        Shape shape = new Shape(rows, config.numKeyValueHeads(), capacity, config.headDim());
        this.keys = new NDArray[config.numHiddenLayers()];
        this.values = new NDArray[config.numHiddenLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = manager.zeros(shape, dtype);
            values[l] = manager.zeros(shape, dtype);
        }
    }

    private KvCache(KvCache parent, int row) {
        this.manager = parent.manager.newSubManager();
        this.capacity = parent.capacity;
        this.lengths = new int[1];
        this.keys = new NDArray[parent.keys.length];
        this.values = new NDArray[parent.values.length];
        NDIndex index = new NDIndex().addSliceDim(row, row + 1);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = parent.keys[l].get(index);       // views: writes land in the parent's memory
            values[l] = parent.values[l].get(index);
            keys[l].attach(manager);
            values[l].attach(manager);
        }
    }

    private KvCache(KvCache source, int rows, int capacity, NDManager owner) {
        int length = source.lengths[0];
        if (capacity < length) {
            throw new IllegalArgumentException("capacity " + capacity + " is below the " + length + " positions to copy");
        }
        this.manager = owner.newSubManager();
        this.capacity = capacity;
        this.lengths = new int[rows];
        Arrays.fill(lengths, length);
        this.keys = new NDArray[source.keys.length];
        this.values = new NDArray[source.values.length];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = repeatedPrefix(source.keys[l], rows, capacity, length, manager);
            values[l] = repeatedPrefix(source.values[l], rows, capacity, length, manager);
        }
    }

    /** A [rows, K, capacity, E] array whose every row holds the first {@code length} positions of {@code cache}'s row 0. */
    private static NDArray repeatedPrefix(NDArray cache, int rows, int capacity, int length, NDManager manager) {
        Shape s = cache.getShape();
        NDArray target = manager.zeros(new Shape(rows, s.get(1), capacity, s.get(3)), cache.getDataType());
        if (length > 0) {
            try (PtNDArray row0 = JniUtils.slice((PtNDArray) cache, 0, 0, 1, 1);
                 PtNDArray prefix = JniUtils.slice(row0, 2, 0, length, 1);
                 NDArray repeated = prefix.repeat(0, rows)) {
                put((PtNDArray) target, (PtNDArray) repeated, 0, rows, 0, length);
            }
        }
        return target;
    }

    /**
     * A new cache of {@code rows} rows that all start as copies of this cache's row 0 (its
     * positions so far): one shared prompt, then several continuations of it side by side
     * (scoring the options of a multiple-choice question). Closed independently of this one.
     */
    public KvCache fork(int rows, int capacity, NDManager owner) {
        return new KvCache(this, rows, capacity, owner);
    }

    /** A one-row cache over row {@code row} of this one (sharing its memory), e.g. to prefill one sequence of a batch. */
    KvCache row(int row) {
        return new KvCache(this, row);
    }

    /** Writes k [B, K, T, E] at each row's position and returns all keys so far [B, K, S, E] (a view in {@code scope}). */
    NDArray appendKeys(int layer, int[] starts, NDArray k, NDManager scope) {
        return write(keys[layer], starts, k, scope);
    }

    NDArray appendValues(int layer, int[] starts, NDArray v, NDManager scope) {
        return write(values[layer], starts, v, scope);
    }

    private static NDArray write(NDArray cache, int[] starts, NDArray update, NDManager scope) {
        int rows = starts.length;
        long t = update.getShape().get(2);
        int end = 0;
        boolean uniform = true;
        for (int start : starts) {
            uniform &= start == starts[0];
            end = Math.max(end, (int) (start + t));
        }
        // One native call per slice or write: DJL's NDIndex path costs five or six (init, one
        // per dimension, get or put, delete), which at one decode token per step costs more
        // than the copy itself.
        PtNDArray target = (PtNDArray) cache;
        if (uniform) {
            put(target, (PtNDArray) update, 0, rows, starts[0], end);
        } else {
            for (int b = 0; b < rows; b++) {
                try (PtNDArray row = JniUtils.slice((PtNDArray) update, 0, b, b + 1, 1)) {
                    put(target, row, b, b + 1, starts[b], starts[b] + t);
                }
            }
        }
        PtNDArray seen = rows == target.getShape().get(0) ? target : JniUtils.slice(target, 0, 0, rows, 1);
        PtNDArray positions = JniUtils.slice(seen, 2, 0, end, 1);                   // [rows, K, end, E]
        if (seen != target) {
            seen.close();
        }
        positions.attach(scope);
        return positions;
    }

    /** cache[fromRow:toRow, :, from:to, :] = value. */
    private static void put(PtNDArray cache, PtNDArray value, long fromRow, long toRow, long from, long to) {
        Shape shape = cache.getShape();
        JniUtils.indexSet(cache, value, new long[] {fromRow, 0, from, 0}, new long[] {toRow, shape.get(1), to, shape.get(3)},
                new long[] {1, 1, 1, 1});
    }

    /** Positions already in row 0 (the sequence of a one-row cache). */
    public int length() {
        return lengths[0];
    }

    /** Positions already in each of the first {@code rows} rows. */
    int[] lengths(int rows) {
        return Arrays.copyOf(lengths, rows);
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return lengths.length;
    }

    void advance(int rows, int tokens) {
        for (int b = 0; b < rows; b++) {
            lengths[b] += tokens;
        }
    }

    /** Copies row {@code from} over row {@code to} (keeping the active rows contiguous when a sequence leaves a batch). */
    void moveRow(int from, int to) {
        NDIndex src = new NDIndex().addSliceDim(from, from + 1);
        NDIndex dst = new NDIndex().addSliceDim(to, to + 1);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = keys[l].get(src); NDArray v = values[l].get(src)) {
                keys[l].set(dst, k);
                values[l].set(dst, v);
            }
        }
        lengths[to] = lengths[from];
        lengths[from] = 0;
    }

    void setLength(int row, int length) {
        lengths[row] = length;
    }

    /** Forgets everything (the memory is kept for the next sequence). */
    public void reset() {
        Arrays.fill(lengths, 0);
    }

    @Override
    public void close() {
        manager.close();
    }
}
