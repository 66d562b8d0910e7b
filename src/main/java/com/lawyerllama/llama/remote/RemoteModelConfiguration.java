package com.lawyerllama.llama.remote;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code lawyer.model.provider=openai}: the answering model is a remote OpenAI-compatible server
 * (the in-process engine loads no checkpoint). Health's "model" component checks that server.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RemoteModelProperties.class)
@ConditionalOnProperty(name = "lawyer.model.provider", havingValue = "openai")
public class RemoteModelConfiguration {

    @Bean
    public RemoteChatModel remoteChatModel(@Value("${spring.ai.openai.base-url:}") String baseUrl,
                                           @Value("${spring.ai.openai.api-key:}") String apiKey,
                                           @Value("${spring.ai.openai.chat.options.model:}") String model,
                                           RemoteModelProperties properties) {
        return new RemoteChatModel(new RemoteEndpoint(baseUrl, apiKey, model), properties);
    }

    /** {@code /actuator/health/model}: UP when the server answers and lists the model; no key in the details. */
    @Bean("model")
    public HealthIndicator remoteModelHealthIndicator(RemoteChatModel remote) {
        return () -> {
            var check = remote.check();
            return (RemoteChatModel.healthy(check) ? Health.up() : Health.down()).withDetails(check).build();
        };
    }
}
