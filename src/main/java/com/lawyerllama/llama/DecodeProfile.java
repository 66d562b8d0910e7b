package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Where one token's decode step spends its time, on one sequence, in CPU time of the decoding
 * thread (at one PyTorch thread every op runs on it; wall time on a machine shared with other
 * work counts the waits for a core too): the whole step, the products by
 * the weight matrices timed alone (the work that scales with the model), how many arrays the step
 * creates (each one a native op, counted by the step's {@link NDManager}) and what one small op
 * costs through DJL. The rest of the step is the other ops' overhead, attention over the cache,
 * copying the logits out and sampling.
 *
 * @param steps             decode steps timed (medians below)
 * @param stepMicros        median CPU time of a whole step: decode, logits to Java, argmax
 * @param arraysPerStep     arrays a step creates, matrix products included (in-place ops such as
 *                          {@code addi} create none, so this counts most but not all native calls)
 * @param matrixProducts    products by a weight matrix per step
 * @param matrixParameters  parameters in those matrices (each read once per step)
 * @param matrixMicros      median time of those products alone, one after another, as in a step
 * @param smallOpMicros     median cost of one small op: {@code add} of two [1, D] arrays, with its release
 */
public record DecodeProfile(int steps, double stepMicros, int arraysPerStep, int matrixProducts,
                            long matrixParameters, double matrixMicros, double smallOpMicros) {

    /**
     * Times {@code steps} decode steps after a prompt of {@code promptTokens} random tokens and
     * {@code warmup} untimed steps (the model's context must hold all of them).
     */
    public static DecodeProfile measure(LlamaModel model, int promptTokens, int warmup, int steps) {
        LlamaConfig config = model.config();
        try (NDManager sequence = model.manager().newSubManager();
             KvCache cache = model.newCache(1, promptTokens + warmup + steps + 1, sequence)) {
            java.util.Random random = new java.util.Random(7);
            long[] prompt = new long[promptTokens];
            prompt[0] = config.bosTokenId();
            for (int i = 1; i < prompt.length; i++) {
                prompt[i] = 3 + random.nextInt(config.vocabSize() - 3);
            }
            int next = step(model, prompt, cache, sequence, null);
            int[] arrays = new int[1];
            long[] stepNanos = new long[steps];
            for (int i = 0; i < warmup + steps; i++) {
                long start = cpuNanos();
                next = step(model, new long[] {next}, cache, sequence, arrays);
                if (i >= warmup) {
                    stepNanos[i - warmup] = cpuNanos() - start;
                }
            }
            List<NDArray> matrices = model.decodeMatrices();
            long parameters = matrices.stream().mapToLong(NDArray::size).sum();
            return new DecodeProfile(steps, median(stepNanos) / 1e3, arrays[0], matrices.size(), parameters,
                    matrixMicros(matrices, sequence, warmup, steps), smallOpMicros(sequence, config.hiddenSize(),
                    model.dataType()));
        }
    }

    /** One step as the generator runs it; records in {@code arrays[0]} how many arrays the decode created. */
    private static int step(LlamaModel model, long[] ids, KvCache cache, NDManager sequence, int[] arrays) {
        try (NDManager scope = sequence.newSubManager()) {
            NDArray input = scope.create(ids, new Shape(1, ids.length));
            int before = scope.getManagedArrays().size();
            NDArray logits = model.decode(input, cache);
            if (arrays != null) {
                arrays[0] = scope.getManagedArrays().size() - before;
            }
            return Sampler.argmax(logits.toType(DataType.FLOAT32, false).toFloatArray());
        }
    }

    /** One step's products by the weights, [1, in] · [in, out], in the step's order. */
    private static double matrixMicros(List<NDArray> matrices, NDManager sequence, int warmup, int steps) {
        long[] nanos = new long[steps];
        try (NDManager inputs = sequence.newSubManager()) {
            NDArray[] x = new NDArray[matrices.size()];
            for (int i = 0; i < x.length; i++) {
                NDArray w = matrices.get(i);
                x[i] = inputs.randomNormal(new Shape(1, w.getShape().get(0)), w.getDataType());
            }
            for (int s = 0; s < warmup + steps; s++) {
                try (NDManager scope = inputs.newSubManager()) {
                    long start = cpuNanos();
                    NDArray last = null;
                    for (int i = 0; i < x.length; i++) {
                        last = x[i].matMul(matrices.get(i));
                        last.attach(scope);
                    }
                    last.toType(DataType.FLOAT32, false).toFloatArray();   // wait for the result, as a step does
                    if (s >= warmup) {
                        nanos[s - warmup] = cpuNanos() - start;
                    }
                }
            }
        }
        return median(nanos) / 1e3;
    }

    /** Median cost of an add of two [1, D] arrays, release included, over batches of 1,000. */
    private static double smallOpMicros(NDManager sequence, int hidden, DataType dtype) {
        int perBatch = 1000;
        long[] nanos = new long[30];
        try (NDManager inputs = sequence.newSubManager()) {
            NDArray a = inputs.randomNormal(new Shape(1, hidden), dtype);
            NDArray b = inputs.randomNormal(new Shape(1, hidden), dtype);
            for (int batch = -5; batch < nanos.length; batch++) {
                long start = cpuNanos();
                try (NDManager scope = inputs.newSubManager()) {
                    for (int i = 0; i < perBatch; i++) {
                        a.add(b).attach(scope);
                    }
                }
                if (batch >= 0) {
                    nanos[batch] = (cpuNanos() - start) / perBatch;
                }
            }
        }
        return median(nanos) / 1e3;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    /** Time of the step not spent in the weight products. */
    public double otherMicros() {
        return stepMicros - matrixMicros;
    }

    /** The arrays created besides the products' results: the small ops. */
    public int smallOpsPerStep() {
        return arraysPerStep - matrixProducts;
    }
}
