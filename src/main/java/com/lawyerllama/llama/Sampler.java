package com.lawyerllama.llama;

import java.util.Arrays;
import java.util.BitSet;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: repetition penalty, then greedy or temperature with
 * top-k and top-p (the order Hugging Face applies them). One sampler per sequence; seeded
 * samplers give the same tokens for the same logits.
 */
public final class Sampler {
    private final GenerationOptions options;
    private final SplittableRandom random;
    private final BitSet seen = new BitSet();
    private float[] probs = new float[0];
    private int[] order = new int[0];

    Sampler(GenerationOptions options) {
        this.options = options;
        this.random = options.seed() == null ? new SplittableRandom() : new SplittableRandom(options.seed());
    }

    /** Records tokens for the repetition penalty (the prompt, then each generated token). */
    void observe(int... tokens) {
        for (int t : tokens) {
            seen.set(t);
        }
    }

    /** Chooses a token; modifies {@code logits}. */
    int sample(float[] logits) {
        double penalty = options.repetitionPenalty();
        if (penalty != 1.0) {
            for (int t = seen.nextSetBit(0); t >= 0 && t < logits.length; t = seen.nextSetBit(t + 1)) {
                logits[t] = (float) (logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty);
            }
        }
        if (options.temperature() <= 0) {
            return argmax(logits);
        }
        int n = logits.length;
        if (probs.length < n) {
            probs = new float[n];
            order = new int[n];
        }
        // softmax(logits / T)
        float max = logits[argmax(logits)];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[i] - max) / options.temperature());
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) {
            probs[i] /= (float) sum;
        }
        int candidates = candidates(n);
        if (candidates == n && options.topP() >= 1.0) {
            return draw(order, n, 1.0);
        }
        // Nucleus: the most probable tokens whose mass first reaches top-p (of what top-k kept).
        double kept = 0;
        for (int i = 0; i < candidates; i++) {
            kept += probs[order[i]];
        }
        double cumulative = 0;
        int last = candidates - 1;
        for (int i = 0; i < candidates; i++) {
            cumulative += probs[order[i]] / kept;
            if (cumulative >= options.topP()) {
                last = i;
                break;
            }
        }
        double mass = 0;
        for (int i = 0; i <= last; i++) {
            mass += probs[order[i]];
        }
        return draw(order, last + 1, mass);
    }

    /** Fills {@code order} with the candidate ids, most probable first when filtering; returns how many. */
    private int candidates(int n) {
        int k = options.topK();
        if (k > 0 && k < n) {
            PriorityQueue<Integer> heap = new PriorityQueue<>(k, (a, b) -> Float.compare(probs[a], probs[b]));
            for (int i = 0; i < n; i++) {
                if (heap.size() < k) {
                    heap.add(i);
                } else if (probs[i] > probs[heap.peek()]) {
                    heap.poll();
                    heap.add(i);
                }
            }
            int size = heap.size();
            for (int i = size - 1; i >= 0; i--) {
                order[i] = heap.poll();
            }
            return size;
        }
        if (options.topP() >= 1.0) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            return n;
        }
        // Tokens below (1 - p) / (n - 1) can never be inside the nucleus (llama2.c's observation),
        // so only the few above it need sorting.
        float cutoff = (float) ((1 - options.topP()) / (n - 1));
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] >= cutoff) {
                order[m++] = i;
            }
        }
        Integer[] boxed = new Integer[m];
        for (int i = 0; i < m; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(probs[b], probs[a]));
        for (int i = 0; i < m; i++) {
            order[i] = boxed[i];
        }
        return m;
    }

    private int draw(int[] ids, int count, double mass) {
        double r = random.nextDouble() * mass;
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += probs[ids[i]];
            if (r < cumulative) {
                return ids[i];
            }
        }
        return ids[count - 1];
    }

    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
