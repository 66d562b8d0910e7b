package com.lawyerllama.elasticsearch;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the managed node before anything else (and before the web server takes requests),
 * restarts it when it dies, and stops it last. A node that fails to start does not stop the
 * service: health shows Elasticsearch DOWN with the reason, and the watchdog keeps trying.
 */
public class ManagedElasticsearchLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ManagedElasticsearchLifecycle.class);
    private static final long WATCH_SECONDS = 5;
    private static final long RETRY_SECONDS = 30;

    private final ManagedElasticsearch node;
    private ScheduledExecutorService watchdog;
    private volatile boolean running;
    private volatile long nextRetry;

    public ManagedElasticsearchLifecycle(ManagedElasticsearch node) {
        this.node = node;
    }

    public ManagedElasticsearch node() {
        return node;
    }

    @Override
    public void start() {
        running = true;
        tryStart();
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "elasticsearch-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::watch, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
        // Also stop the node if the JVM exits without closing the context (e.g. System.exit from a CLI).
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "elasticsearch-shutdown"));
    }

    private void tryStart() {
        try {
            node.start();
        } catch (RuntimeException e) {
            nextRetry = System.currentTimeMillis() + RETRY_SECONDS * 1000;
            log.error("Managed Elasticsearch failed to start; retrying in {} s: {}", RETRY_SECONDS, e.getMessage());
        }
    }

    private void watch() {
        if (!running) {
            return;
        }
        if (node.diedUnexpectedly()) {
            node.markDied();
            log.error("Managed Elasticsearch died: {}; restarting", node.reason());
            tryStart();
        } else if (node.state() == ManagedElasticsearch.State.FAILED && System.currentTimeMillis() >= nextRetry) {
            tryStart();
        }
    }

    @Override
    public void stop() {
        running = false;
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        node.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Early start, late stop: the web server (and every user of the client) stops before the node. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
