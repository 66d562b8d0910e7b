package com.lawyerllama.cli;

import com.lawyerllama.LawyerLlamaApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Runs the web service until it is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
                "Runs the web service (the default when no subcommand is given).",
                "Any Spring property can follow as --key=value, e.g. --server.port=9090 or",
                "--lawyer.elasticsearch.uris=http://es:9200; see the README's configuration table."
        })
public final class ServeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "--key=value", arity = "0..*",
            description = "Spring configuration properties.")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() {
        for (String arg : springArgs) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new UsageException("expected a Spring property as --key=value, got '" + arg + "'");
            }
        }
        ConfigurableApplicationContext context =
                SpringApplication.run(LawyerLlamaApplication.class, springArgs.toArray(String[]::new));
        // Block until the context closes (Ctrl-C, SIGTERM or /actuator/shutdown); then exit cleanly.
        Object monitor = new Object();
        context.addApplicationListener(event -> {
            if (event instanceof org.springframework.context.event.ContextClosedEvent) {
                synchronized (monitor) {
                    monitor.notifyAll();
                }
            }
        });
        synchronized (monitor) {
            while (context.isActive()) {
                try {
                    monitor.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return 0;
    }
}
