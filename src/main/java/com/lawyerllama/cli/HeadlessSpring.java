package com.lawyerllama.cli;

import com.lawyerllama.LawyerLlamaApplication;
import java.util.List;
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
}
