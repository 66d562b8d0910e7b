package com.lawyerllama.llama;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code lawyer.model.*}: which checkpoint to serve and how many requests at once.
 *
 * @param path             a Hugging Face model directory; unset means no model (the engine reports "not loaded")
 * @param maxConcurrency   generations that run at the same time
 * @param queueCapacity    requests that may wait for a slot; beyond that requests are refused (429)
 * @param contextLength    the longest prompt + answer, in tokens (capped by the model's max_position_embeddings)
 * @param threads          PyTorch intra-op threads; 0 leaves the engine's default
 * @param maxNewTokens     default answer length limit
 * @param temperature      default sampling temperature (0 = greedy)
 * @param topP             default nucleus size
 * @param repetitionPenalty default repetition penalty (1 = none)
 */
@ConfigurationProperties(prefix = "lawyer.model")
public record ModelProperties(
        Path path,
        @DefaultValue("2") int maxConcurrency,
        @DefaultValue("16") int queueCapacity,
        @DefaultValue("2048") int contextLength,
        @DefaultValue("0") int threads,
        @DefaultValue("512") int maxNewTokens,
        @DefaultValue("0.7") double temperature,
        @DefaultValue("0.9") double topP,
        @DefaultValue("1.1") double repetitionPenalty) {

    /** The generation defaults these properties describe. */
    public GenerationOptions defaultOptions() {
        return new GenerationOptions(maxNewTokens, temperature, 0, topP, repetitionPenalty, null, java.util.List.of());
    }
}
