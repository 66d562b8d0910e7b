package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching: one thread runs every active sequence together, one token each per
 * model step, so the weights are read once per step for all of them and total tokens/s grows
 * with the number of users. A new request is prefilled into a free row between steps and
 * joins the batch; a finished one leaves it at once. Up to {@code maxBatch} sequences run, up
 * to {@code queueCapacity} wait, and more are refused ({@link EngineBusyException}).
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchScheduler.class);

    private final LlamaModel model;
    private final int maxBatch;
    private final BlockingQueue<Entry> waiting;
    private final NDManager memory;
    private final KvCache cache;                        // row i belongs to active.get(i)
    private final List<Entry> active = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile int running;

    /** The scheduler no longer takes requests (shut down, or draining after a newer model was activated). */
    static final class ClosedException extends IllegalStateException {
        ClosedException() {
            super("this model is no longer served");
        }
    }

    /** A sequence and where its result goes. */
    private static final class Entry {
        final Sequence sequence;
        final CompletableFuture<GenerationResult> result;
        int next;

        Entry(Sequence sequence, CompletableFuture<GenerationResult> result) {
            this.sequence = sequence;
            this.result = result;
        }
    }

    public BatchScheduler(LlamaModel model, int maxBatch, int queueCapacity) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.waiting = new ArrayBlockingQueue<>(Math.max(1, queueCapacity));
        this.memory = model.manager().newSubManager();
        this.cache = model.newCache(maxBatch, model.contextLength(), memory);
        this.thread = new Thread(this::run, "llama-batch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a sequence; its result completes the future. */
    public void submit(Sequence sequence, CompletableFuture<GenerationResult> result, int queueCapacity) {
        if (closed || draining) {
            throw new ClosedException();
        }
        Entry entry = new Entry(sequence, result);
        if (queueCapacity == 0 && running >= maxBatch || !waiting.offer(entry)) {
            throw new EngineBusyException(running, waiting.size(), 1 + waiting.size());
        }
        if ((closed || draining) && !thread.isAlive() && waiting.remove(entry)) {
            throw new ClosedException();   // raced with the shutdown: nobody would take it
        }
    }

    int running() {
        return running;
    }

    int waiting() {
        return waiting.size();
    }

    private void run() {
        while (!closed && !(draining && active.isEmpty() && waiting.isEmpty())) {
            try {
                admit();
                if (!active.isEmpty()) {
                    step();
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                log.error("Batch step failed; failing its {} sequences", active.size(), e);
                for (Entry entry : active) {
                    entry.result.completeExceptionally(e);
                }
                active.clear();
                cache.reset();
                running = 0;
            }
        }
        for (Entry entry : active) {
            entry.sequence.finish(GenerationResult.FinishReason.CANCELLED);
            entry.result.complete(entry.sequence.result());
        }
        for (Entry entry : waiting) {
            entry.sequence.finish(GenerationResult.FinishReason.CANCELLED);
            entry.result.complete(entry.sequence.result());
        }
    }

    /** Prefills waiting sequences into free rows (blocks briefly when nothing runs). */
    private void admit() throws InterruptedException {
        while (active.size() < maxBatch) {
            Entry entry = active.isEmpty() ? waiting.poll(200, TimeUnit.MILLISECONDS) : waiting.poll();
            if (entry == null) {
                return;
            }
            if (entry.sequence.isCancelled()) {
                entry.sequence.finish(GenerationResult.FinishReason.CANCELLED);
                entry.result.complete(entry.sequence.result());
                continue;
            }
            int row = active.size();
            running = row + 1;
            try (KvCache rowCache = cache.row(row)) {
                float[] logits = Generator.step(model, entry.sequence.prompt, rowCache, memory);
                cache.setLength(row, entry.sequence.prompt.length);
                entry.next = entry.sequence.accept(logits);
            } catch (RuntimeException e) {
                cache.setLength(row, 0);
                running = row;
                entry.result.completeExceptionally(e);
                continue;
            }
            if (entry.next < 0) {
                cache.setLength(row, 0);
                running = row;
                entry.result.complete(entry.sequence.result());
            } else {
                active.add(entry);
            }
        }
    }

    /** One token for every active sequence; finished ones leave, the last row moving into the hole. */
    private void step() {
        int rows = active.size();
        long[] tokens = new long[rows];
        for (int i = 0; i < rows; i++) {
            tokens[i] = active.get(i).next;
        }
        float[] logits;
        int vocab;
        try (NDManager scope = memory.newSubManager()) {
            NDArray out = model.decode(scope.create(tokens, new Shape(rows, 1)), cache);     // [B, V]
            vocab = (int) out.getShape().get(1);
            logits = (out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false)).toFloatArray();
        }
        boolean[] done = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            float[] row = new float[vocab];
            System.arraycopy(logits, i * vocab, row, 0, vocab);
            Entry entry = active.get(i);
            entry.next = entry.sequence.accept(row);
            done[i] = entry.next < 0;
        }
        for (int i = rows - 1; i >= 0; i--) {
            if (!done[i]) {
                continue;
            }
            Entry finished = active.get(i);
            int last = active.size() - 1;
            if (i != last) {
                cache.moveRow(last, i);
                active.set(i, active.get(last));
            }
            active.remove(last);
            cache.setLength(last, 0);
            finished.result.complete(finished.sequence.result());
        }
        running = active.size();
    }

    /** Takes no new requests, finishes the running and queued ones, then frees the cache. */
    void drainAndClose() {
        draining = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cache.close();
        memory.close();
    }
}
