package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of the positions a sequence has seen, per layer, preallocated to a fixed
 * capacity ([B, K, capacity, E] each) so a decode step writes one slot instead of copying.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final NDManager manager;
    private final int capacity;
    private int length;

    KvCache(LlamaConfig config, int batch, int capacity, NDManager owner, DataType dtype) {
        this.manager = owner.newSubManager();
        this.capacity = capacity;
        Shape shape = new Shape(batch, config.numKeyValueHeads(), capacity, config.headDim());
        this.keys = new NDArray[config.numHiddenLayers()];
        this.values = new NDArray[config.numHiddenLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = manager.zeros(shape, dtype);
            values[l] = manager.zeros(shape, dtype);
        }
    }

    /** Writes k [B, K, T, E] at positions start.. and returns all keys so far [B, K, start+T, E] (a view in {@code scope}). */
    NDArray appendKeys(int layer, int start, NDArray k, NDManager scope) {
        return write(keys[layer], start, k, scope);
    }

    NDArray appendValues(int layer, int start, NDArray v, NDManager scope) {
        return write(values[layer], start, v, scope);
    }

    private static NDArray write(NDArray cache, int start, NDArray update, NDManager scope) {
        long end = start + update.getShape().get(2);
        cache.set(new NDIndex(":, :, {}:{}", start, end), update);
        NDArray seen = cache.get(new NDIndex(":, :, :{}", end));
        seen.attach(scope);
        return seen;
    }

    /** Positions already in the cache. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    void advance(int tokens) {
        length += tokens;
    }

    /** Forgets everything (the memory is kept for the next sequence). */
    public void reset() {
        length = 0;
    }

    @Override
    public void close() {
        manager.close();
    }
}
