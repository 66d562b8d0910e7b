package com.lawyerllama.llama;

import java.util.List;

/**
 * How to pick tokens and when to stop.
 *
 * @param maxNewTokens      the most tokens to generate
 * @param temperature       0 for greedy decoding
 * @param topK              0 for no top-k filter
 * @param topP              1 for no nucleus filter
 * @param repetitionPenalty 1 for none; HF/CTRL style over every token seen (prompt and output)
 * @param seed              null for a random seed
 * @param stopStrings       generation ends before the first occurrence of any of these
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP,
                                double repetitionPenalty, Long seed, List<String> stopStrings) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be ≥ 0, got " + maxNewTokens);
        }
        if (temperature < 0 || topK < 0 || topP <= 0 || topP > 1 || repetitionPenalty <= 0) {
            throw new IllegalArgumentException("invalid sampling options: temperature " + temperature + ", top-k " + topK
                    + ", top-p " + topP + ", repetition penalty " + repetitionPenalty);
        }
        stopStrings = stopStrings == null ? List.of() : stopStrings.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Greedy decoding of up to {@code maxNewTokens}. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 1, null, List.of());
    }

    /** The service's defaults: temperature 0.7, top-p 0.9, repetition penalty 1.1, 512 tokens. */
    public static GenerationOptions defaults() {
        return new GenerationOptions(512, 0.7, 0, 0.9, 1.1, null, List.of());
    }

    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(n, temperature, topK, topP, repetitionPenalty, seed, stopStrings);
    }

    public GenerationOptions withTemperature(double t) {
        return new GenerationOptions(maxNewTokens, t, topK, topP, repetitionPenalty, seed, stopStrings);
    }

    public GenerationOptions withTopK(int k) {
        return new GenerationOptions(maxNewTokens, temperature, k, topP, repetitionPenalty, seed, stopStrings);
    }

    public GenerationOptions withTopP(double p) {
        return new GenerationOptions(maxNewTokens, temperature, topK, p, repetitionPenalty, seed, stopStrings);
    }

    public GenerationOptions withRepetitionPenalty(double r) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, r, seed, stopStrings);
    }

    public GenerationOptions withSeed(Long s) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, s, stopStrings);
    }

    public GenerationOptions withStopStrings(List<String> stops) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stops);
    }
}
