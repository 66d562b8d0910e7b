package com.lawyerllama.llama;

import com.lawyerllama.llama.chat.ChatFormats;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code lawyer.model.*}: which checkpoint to serve and how many requests at once.
 *
 * @param path             a Hugging Face model directory; empty means no model (the engine reports "not loaded");
 *                         application.yml's default, {@value #DEFAULT_PATH} (relative to the working directory),
 *                         is the repository's trained default model and may be missing (see {@link #isDefaultPath()}).
 *                         It has no {@code @DefaultValue}: an empty value binds as null, which would bring such a
 *                         default back, and empty must stay "no model".
 * @param maxConcurrency   generations that run at the same time
 * @param queueCapacity    requests that may wait for a slot; beyond that requests are refused (429)
 * @param contextLength    the longest prompt + answer, in tokens (capped by the model's max_position_embeddings)
 * @param threads          PyTorch intra-op threads; 0 leaves the engine's default
 * @param maxNewTokens     default answer length limit
 * @param temperature      default sampling temperature (0 = greedy)
 * @param topP             default nucleus size
 * @param repetitionPenalty default repetition penalty (1 = none)
 * @param chatFormat       {@code auto}: the checkpoint's own chat template when it has one, else Lawyer LLaMA's
 *                         {@code ### Human:} format; {@code lawyer-llama}: always the latter
 * @param enableThinking   the {@code enable_thinking} variable of chat templates that have it (Qwen3): off, so
 *                         that answers are not preceded by the model's reasoning
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
        @DefaultValue("1.1") double repetitionPenalty,
        @DefaultValue(ChatFormats.AUTO) String chatFormat,
        @DefaultValue("false") boolean enableThinking) {

    /** The default model's directory, relative to the working directory: the repository root in the README's run command. */
    public static final String DEFAULT_PATH = "models/default";

    /**
     * Whether {@link #path()} is the default rather than a path someone chose. A missing default
     * directory (another working directory, an image without it) means "no model", logged at
     * start; a chosen path that cannot be loaded is a load error that health reports.
     */
    public boolean isDefaultPath() {
        return path != null && path.normalize().equals(Path.of(DEFAULT_PATH));
    }

    /** The generation defaults these properties describe. */
    public GenerationOptions defaultOptions() {
        return new GenerationOptions(maxNewTokens, temperature, 0, topP, repetitionPenalty, null, java.util.List.of());
    }

    /** The variables chat templates are rendered with. */
    public java.util.Map<String, Object> templateVariables() {
        return java.util.Map.of("enable_thinking", enableThinking);
    }
}
