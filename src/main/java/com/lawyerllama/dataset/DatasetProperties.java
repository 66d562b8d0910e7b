package com.lawyerllama.dataset;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code lawyer.dataset.*}: where built datasets go and the teacher a build uses unless its request
 * names another. The teacher defaults to the remote model server's keys
 * ({@code spring.ai.openai.base-url}, {@code spring.ai.openai.api-key}, {@code spring.ai.openai.chat.options.model}).
 *
 * @param outputDir where {@code POST /admin/datasets/build} writes (empty: {@code ${lawyer.data-dir}/datasets})
 * @param teacher   the default teacher endpoint and its pace and prices
 */
@ConfigurationProperties(prefix = "lawyer.dataset")
public record DatasetProperties(@DefaultValue("") String outputDir, @DefaultValue Teacher teacher) {

    /**
     * @param baseUrl                   OpenAI-compatible base URL (ending in {@code /v1} for most servers)
     * @param apiKey                    sent only to {@code baseUrl}, never stored with a job
     * @param model                     the model name the endpoint serves
     * @param timeout                   longest one reply may take
     * @param requestsPerMinute         default pace (0: none)
     * @param pricePerMillionPrompt     for the cost estimate; unset: no estimate
     * @param pricePerMillionCompletion for the cost estimate
     */
    public record Teacher(@DefaultValue("") String baseUrl, @DefaultValue("") String apiKey, @DefaultValue("") String model,
                          @DefaultValue("300s") Duration timeout, @DefaultValue("60") int requestsPerMinute,
                          Double pricePerMillionPrompt, Double pricePerMillionCompletion) {
    }
}
