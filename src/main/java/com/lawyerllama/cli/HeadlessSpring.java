package com.lawyerllama.cli;

import com.lawyerllama.LawyerLlamaApplication;
import com.lawyerllama.retrieval.ArticleIndex;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the application without a web server, for subcommands that need its beans
 * (the Elasticsearch client, the article index). Spring properties given on the command
 * line as {@code --key=value} apply as they do for {@code serve}.
 */
public final class HeadlessSpring {
    private HeadlessSpring() {
    }

    public static ConfigurableApplicationContext start(List<String> springArgs) {
        return new SpringApplicationBuilder(LawyerLlamaApplication.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties("lawyer.headless=true", "logging.level.root=WARN",
                        "logging.level.com.lawyerllama=INFO", "spring.main.register-shutdown-hook=true")
                .run(springArgs.toArray(String[]::new));
    }

    /**
     * Waits (up to ten minutes, saying so on stderr) until {@code index} is merged into one segment:
     * the node a command starts stops when the command ends, which would abandon the merge that an
     * import or an embedding pass starts in the background.
     */
    public static void awaitOneSegment(ConfigurableApplicationContext context, String index) {
        if (index == null) {
            return;
        }
        long started = System.nanoTime();
        System.err.print("merging " + index + " into one segment … ");
        boolean merged = context.getBean(ArticleIndex.class).compactAndWait(index, Duration.ofMinutes(10));
        System.err.printf(Locale.ROOT, "%s in %.1f s%n", merged ? "done" : "not finished: searches are slower until it is",
                (System.nanoTime() - started) / 1e9);
    }
}
