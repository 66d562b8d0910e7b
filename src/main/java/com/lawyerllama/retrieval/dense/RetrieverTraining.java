package com.lawyerllama.retrieval.dense;

import ai.djl.ndarray.NDArray;
import com.lawyerllama.training.AdamW;
import java.util.Map;

/** One retriever training stage's steps and validation, whichever part of the model it trains. */
public interface RetrieverTraining extends AutoCloseable {

    /** The validation questions' contrastive loss and recall@3 among {@code pool} articles. */
    record Validation(double loss, double recallAt3, int pool) {
    }

    /** The tensors the stage trains (and the optimizer's state follows). */
    Map<String, NDArray> parameters();

    /** One optimizer step on batch {@code step}. */
    RetrieverTrainer.StepResult step(int step, AdamW optimizer, double lr, double weightDecay, double gradClip);

    Validation validate();

    @Override
    default void close() {
    }
}
