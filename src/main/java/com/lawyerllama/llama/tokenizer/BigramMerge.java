package com.lawyerllama.llama.tokenizer;

import java.util.PriorityQueue;

/**
 * The BPE merge loop shared by SentencePiece and Hugging Face BPE: start from one symbol per
 * character, repeatedly merge the adjacent pair with the best priority (leftmost on ties), as
 * llama.cpp's SPM tokenizer does with its bigram priority queue. O(n log n): merging a pair
 * only queues the two new pairs next to it; stale queue entries are skipped when popped.
 */
final class BigramMerge {
    private BigramMerge() {
    }

    /** Priority of merging text[start, mid) with text[mid, end); NaN when the pair does not merge. */
    interface PairPriority {
        double of(String text, int start, int mid, int end);
    }

    private record Bigram(int left, int right, int size, double priority) {
    }

    /**
     * Segments {@code text} into merged symbols.
     *
     * @return the symbols' boundaries: {@code [start0, end0, start1, end1, …]} in text order
     */
    static int[] segment(String text, PairPriority priority) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            int cpLen = Character.charCount(text.codePointAt(offset));
            start[i] = offset;
            len[i] = cpLen;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            offset += cpLen;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), (a, b) -> {
            int byPriority = Double.compare(b.priority, a.priority);
            return byPriority != 0 ? byPriority : Integer.compare(a.left, b.left);
        });
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, text, priority, i, i + 1, start, len);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.size) {
                continue; // one side was merged into something else since this pair was queued
            }
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, text, priority, prev[left], left, start, len);
            }
            if (next[left] >= 0) {
                offer(queue, text, priority, left, next[left], start, len);
            }
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (len[i] > 0) {
                count++;
            }
        }
        int[] bounds = new int[count * 2];
        for (int i = 0, k = 0; i < n; i++) {
            if (len[i] > 0) {
                bounds[k++] = start[i];
                bounds[k++] = start[i] + len[i];
            }
        }
        return bounds;
    }

    private static void offer(PriorityQueue<Bigram> queue, String text, PairPriority priority,
                              int left, int right, int[] start, int[] len) {
        int s = start[left];
        int mid = s + len[left];
        int end = mid + len[right];
        double p = priority.of(text, s, mid, end);
        if (!Double.isNaN(p)) {
            queue.add(new Bigram(left, right, len[left] + len[right], p));
        }
    }
}
