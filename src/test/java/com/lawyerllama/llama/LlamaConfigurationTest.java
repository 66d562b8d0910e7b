package com.lawyerllama.llama;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

/**
 * The Spring wiring: lawyer.model.* properties, the ChatModel bean, the "model" health indicator,
 * and the default model path (models/default, which may be missing: then no model, not an error).
 */
class LlamaConfigurationTest {
    @TempDir
    static Path tmp;
    static Path modelDir;

    @BeforeAll
    static void convert() throws Exception {
        modelDir = TestModels.stories260K();
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(LlamaConfiguration.class);
    /** Only the properties (no engine, so the repository's models/default is not loaded), bound from application.yml. */
    private final ApplicationContextRunner propertiesFromApplicationYml = new ApplicationContextRunner()
            .withUserConfiguration(PropertiesOnly.class).withInitializer(new ConfigDataApplicationContextInitializer());

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ModelProperties.class)
    static class PropertiesOnly {
    }

    @Test
    void configuredPathLoadsTheModelAndHealthIsUp() {
        runner.withPropertyValues("lawyer.model.path=" + modelDir, "lawyer.model.max-concurrency=3",
                "lawyer.model.context-length=256").run(context -> {
                    assertThat(context).hasSingleBean(ChatModel.class);
                    Health health = context.getBean("model", HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("loaded", true).containsEntry("maxConcurrency", 3)
                            .containsEntry("contextLength", 256).containsKeys("device", "dtype", "parameters", "path");
                });
    }

    @Test
    void withoutPathTheModelIsNotLoaded() {
        runner.withPropertyValues("lawyer.model.path=").run(context -> {
            Health health = context.getBean("model", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
            assertThat(health.getDetails()).containsEntry("loaded", false);
        });
    }

    @Test
    void anEmptyPathMeansNoModelRatherThanTheDefault() {
        propertiesFromApplicationYml.withPropertyValues("lawyer.model.path=").run(context -> {
            ModelProperties properties = context.getBean(ModelProperties.class);
            assertThat(properties.isDefaultPath()).isFalse();
            assertThat(properties.path() == null || properties.path().toString().isEmpty()).isTrue();
        });
    }

    @Test
    void unsetThePathIsTheDefaultModelDirectory() {
        propertiesFromApplicationYml.run(context -> {
            ModelProperties properties = context.getBean(ModelProperties.class);
            assertThat(properties.path()).isEqualTo(Path.of(ModelProperties.DEFAULT_PATH));
            assertThat(properties.isDefaultPath()).isTrue();
        });
    }

    @Test
    void aMissingDefaultModelIsNoModelNotAnError() throws Exception {
        ModelProperties defaults = new ModelProperties(Path.of(ModelProperties.DEFAULT_PATH), 1, 1, 512, 0, 16, 0.7, 0.9, 1.1, "auto", false);
        try (LlamaEngine engine = LlamaEngine.fromProperties(defaults, Files.createDirectories(tmp.resolve("elsewhere")))) {
            assertThat(engine.isLoaded()).isFalse();
            assertThat(engine.loadError()).isNull();
            assertThat(engine.describe().get("path").toString()).contains(ModelProperties.DEFAULT_PATH);
        }
    }

    @Test
    void theDefaultModelIsLoadedFromTheWorkingDirectory() throws Exception {
        Path workingDirectory = tmp.resolve("repository");
        Path copy = workingDirectory.resolve(ModelProperties.DEFAULT_PATH);
        Files.createDirectories(copy.getParent());
        FileSystemUtils.copyRecursively(modelDir, copy);
        ModelProperties defaults = new ModelProperties(Path.of(ModelProperties.DEFAULT_PATH), 1, 1, 512, 0, 16, 0.7, 0.9, 1.1, "auto", false);
        try (LlamaEngine engine = LlamaEngine.fromProperties(defaults, workingDirectory)) {
            assertThat(engine.isLoaded()).isTrue();
            assertThat(engine.path()).isEqualTo(copy);
        }
    }

    @Test
    void aBadPathIsDown() {
        runner.withPropertyValues("lawyer.model.path=" + tmp.resolve("missing")).run(context -> {
            Health health = context.getBean("model", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKey("error");
        });
    }
}
