package com.lawyerllama;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The Spring application. It is started by {@link com.lawyerllama.cli.Launcher}: as a web
 * service by {@code serve}, and headless (no web server) by the subcommands that need the
 * Elasticsearch client or other beans.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class LawyerLlamaApplication {
}
