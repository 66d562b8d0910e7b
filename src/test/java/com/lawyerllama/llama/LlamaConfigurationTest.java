package com.lawyerllama.llama;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Spring wiring: lawyer.model.* properties, the ChatModel bean, the "model" health indicator. */
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
    void aBadPathIsDown() {
        runner.withPropertyValues("lawyer.model.path=" + tmp.resolve("missing")).run(context -> {
            Health health = context.getBean("model", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKey("error");
        });
    }
}
