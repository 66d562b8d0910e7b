package com.lawyerllama.evaluation;

import java.util.List;

/**
 * One multiple-choice question as the scorer sees it: the context text, the option texts that
 * may continue it, and which option is right.
 *
 * @param id      stable within its task (file and position, or the source's own id)
 * @param context the prompt, already in the task's fixed format
 * @param options the continuations scored after the context (never empty strings)
 * @param labels  a short name per option for tables and the items file (A, AB, 对, 盗窃 …)
 * @param gold    index of the right option (for a multi-answer question: the option that is the exact right set)
 */
public record EvalItem(String id, String context, List<String> options, List<String> labels, int gold) {
    public EvalItem {
        options = List.copyOf(options);
        labels = List.copyOf(labels);
        if (options.size() < 2 || labels.size() != options.size() || gold < 0 || gold >= options.size()) {
            throw new IllegalArgumentException("item " + id + ": needs two or more labelled options and a gold one among them");
        }
        if (options.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("item " + id + ": an option is empty");
        }
    }

    /** The same question with other text before it (few-shot examples, a chat template). */
    public EvalItem withContext(String newContext) {
        return new EvalItem(id, newContext, options, labels, gold);
    }
}
