package com.lawyerllama.openai;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code lawyer.openai.*}: the OpenAI-compatible API under {@code /v1}.
 *
 * @param apiKeys           bearer keys a client must send one of; empty: {@code /v1} is as open or closed as
 *                          {@code /consult} ({@code lawyer.security.consult-requires-user}) and any bearer value
 *                          is accepted, as Ollama and vLLM do without keys. Never the admin's credentials.
 * @param consultationModel the model id of the whole consultation path (retrieval, prompt, answer, citation check)
 * @param maxMessages       most messages in one request
 * @param maxTotalChars     most characters over all messages' contents
 * @param maxBodyBytes      largest request body; a larger one is refused with 413 before it is parsed
 */
@ConfigurationProperties(prefix = "lawyer.openai")
public record OpenAiProperties(
        @DefaultValue List<String> apiKeys,
        @DefaultValue("lawyer-llama-rag") String consultationModel,
        @DefaultValue("64") int maxMessages,
        @DefaultValue("32000") int maxTotalChars,
        @DefaultValue("262144") int maxBodyBytes) {

    public OpenAiProperties {
        apiKeys = apiKeys == null ? List.of() : apiKeys.stream().map(String::strip).filter(k -> !k.isEmpty()).toList();
    }

    public boolean hasApiKeys() {
        return !apiKeys.isEmpty();
    }
}
