package com.lawyerllama.elasticsearch;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *
 * <p>The watchdog follows the node process itself (the server JVM, not the runuser/launcher
 * wrapper): its exit is noticed at once (and by a poll every {@value #WATCH_SECONDS} s as a
 * fallback), the listeners ({@link ElasticsearchStatus}) hear of it so that requests get a 503
 * with Retry-After immediately, and a new node is started straight away; they hear again when it
 * serves. A wrapper that dies while the node runs changes nothing.
 */
public class ManagedElasticsearchLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ManagedElasticsearchLifecycle.class);
    private static final long WATCH_SECONDS = 2;
    private static final long RETRY_SECONDS = 30;

    private final ManagedElasticsearch node;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService watchdog;
    private volatile boolean running;
    private volatile long nextRetry;
    private volatile long diedAt;
    private volatile Duration lastRecovery;

    public ManagedElasticsearchLifecycle(ManagedElasticsearch node) {
        this.node = node;
    }

    public ManagedElasticsearch node() {
        return node;
    }

    /** Called (on the watchdog thread) when the node dies and when it serves again. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    /** How long the last restart after a death took, from the death being noticed to the node serving. */
    public Optional<Duration> lastRecovery() {
        return Optional.ofNullable(lastRecovery);
    }

    @Override
    public void start() {
        running = true;
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "elasticsearch-watchdog");
            t.setDaemon(true);
            return t;
        });
        tryStart(false);
        watchdog.scheduleWithFixedDelay(this::watch, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
        // Also stop the node if the JVM exits without closing the context (e.g. System.exit from a CLI).
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "elasticsearch-shutdown"));
    }

    private void tryStart(boolean restart) {
        try {
            if (restart) {
                node.restart();
            } else {
                node.start();
            }
            node.nodeProcess().ifPresent(process -> process.onExit().thenRun(() -> {
                ScheduledExecutorService w = watchdog;
                if (running && w != null && !w.isShutdown()) {
                    w.execute(this::watch);
                }
            }));
            if (restart && diedAt > 0) {
                lastRecovery = Duration.ofNanos(System.nanoTime() - diedAt);
                log.info("Managed Elasticsearch serves again, {} ms after its node died", lastRecovery.toMillis());
            }
            notifyListeners();
        } catch (RuntimeException e) {
            nextRetry = System.currentTimeMillis() + RETRY_SECONDS * 1000;
            log.error("Managed Elasticsearch failed to start; retrying in {} s: {}", RETRY_SECONDS, e.getMessage());
        }
    }

    private void watch() {
        if (!running) {
            return;
        }
        try {
            if (node.diedUnexpectedly()) {
                diedAt = System.nanoTime();
                node.markDied();
                log.error("Managed Elasticsearch died: {}; restarting", node.reason());
                notifyListeners();
                tryStart(true);
            } else if (node.state() == ManagedElasticsearch.State.FAILED && System.currentTimeMillis() >= nextRetry) {
                tryStart(true);
            }
        } catch (RuntimeException e) {
            log.error("Elasticsearch watchdog: {}", e.getMessage());
        }
    }

    private void notifyListeners() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("Elasticsearch state listener failed: {}", e.getMessage());
            }
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
