package com.lawyerllama.llama;

import java.util.Map;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The LLaMA engine as Spring beans: the engine (Spring AI ChatModel), its health ("model") and its info. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ModelProperties.class)
public class LlamaConfiguration {

    /** {@code lawyer.model.provider}: {@code local} (this engine) or {@code openai} (a remote server, see {@code llama.remote}). */
    public static final String PROVIDER = "lawyer.model.provider";

    @Bean(destroyMethod = "close")
    public LlamaEngine llamaEngine(ModelProperties properties,
                                   @org.springframework.beans.factory.annotation.Value("${" + PROVIDER + ":local}") String provider) {
        if (!"local".equals(provider) && !"openai".equals(provider)) {
            throw new IllegalArgumentException(PROVIDER + " must be local or openai, not " + provider);
        }
        if ("openai".equals(provider)) {
            // The answers come from a remote server: no checkpoint is loaded in this JVM.
            return new LlamaEngine(null, null, null, null, properties.defaultOptions(), properties.maxConcurrency(),
                    properties.queueCapacity());
        }
        if (properties.threads() > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(properties.threads()));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        return LlamaEngine.fromProperties(properties);
    }

    /** {@code /actuator/health/model}: UP when loaded, DOWN when loading failed, UNKNOWN when none is configured. */
    @Bean("model")
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = PROVIDER, havingValue = "local",
            matchIfMissing = true)
    public HealthIndicator modelHealthIndicator(LlamaEngine engine) {
        return () -> {
            Map<String, Object> details = engine.describe();
            Health.Builder health = engine.isLoaded() ? Health.up()
                    : engine.loadError() != null ? Health.down() : Health.unknown();
            return health.withDetails(details).build();
        };
    }

    @Bean
    public InfoContributor modelInfoContributor(LlamaEngine engine) {
        return builder -> builder.withDetail("model", engine.describe());
    }
}
