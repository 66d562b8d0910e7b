package com.lawyerllama.retrieval.dense;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says at start-up, in a few lines instead of a chain of bean errors, why the retriever model cannot be served. */
public class RetrieverModelFailureAnalyzer extends AbstractFailureAnalyzer<RetrieverModelException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RetrieverModelException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Point lawyer.retrieval.dense.model-path at a retriever model directory (config.json, vocab.txt, "
                        + "model.safetensors), or set it empty for BM25-only retrieval.", cause);
    }
}
