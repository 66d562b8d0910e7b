package com.lawyerllama.llama.remote;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code lawyer.model.remote.*}: how the service talks to a remote OpenAI-compatible model server
 * ({@code lawyer.model.provider=openai}). Where it is and which model it serves are Spring AI's own
 * keys ({@code spring.ai.openai.base-url}, {@code spring.ai.openai.api-key},
 * {@code spring.ai.openai.chat.options.model}); these add the limits.
 *
 * @param connectTimeout    longest wait to open a connection to the server
 * @param readTimeout       longest silence while waiting for the next bytes of an answer (a stalled
 *                          server becomes a 503 after this, never a hang)
 * @param requestTimeout    longest a whole answer may take
 * @param retryAfterSeconds Retry-After given to our callers when the server is busy, down or slow
 *                          (a server's own Retry-After on its 429 wins)
 * @param healthTimeout     longest the health check's {@code GET /models} may take
 */
@ConfigurationProperties(prefix = "lawyer.model.remote")
public record RemoteModelProperties(
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("60s") Duration readTimeout,
        @DefaultValue("300s") Duration requestTimeout,
        @DefaultValue("10") int retryAfterSeconds,
        @DefaultValue("3s") Duration healthTimeout) {
}
