package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's training runs, kept under {@code runs/} (one directory per run). One run trains
 * at a time on a single runner thread; later submissions wait their turn in order. At start,
 * runs left RUNNING or QUEUED by a crash or shutdown are queued again and resume from their last
 * checkpoint. {@link #shutdown()} interrupts the running one, which stays RUNNING on disk.
 */
public class TrainingRuns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrainingRuns.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path runsDir;
    private final int threads;
    private final Path dataRoot;
    private final DistractorArticles distractors;
    private final ExecutorService runner;
    private final Set<String> cancelRequested = ConcurrentHashMap.newKeySet();
    private final Map<String, List<TrainingRun.Listener>> listeners = new ConcurrentHashMap<>();

    public TrainingRuns(Path runsDir, Path dataRoot, DistractorArticles distractors) {
        this(runsDir, dataRoot, distractors, 0);
    }

    /**
     * @param threads PyTorch intra-op threads while training (0: leave the engine's setting). On a
     *                machine shared with other work, 1 avoids OpenMP threads spinning against each
     *                other (measured here: 10× faster for the tiny plan on 2 busy cores).
     */
    public TrainingRuns(Path runsDir, Path dataRoot, DistractorArticles distractors, int threads) {
        this.threads = threads;
        this.runsDir = runsDir;
        this.dataRoot = dataRoot;
        this.distractors = distractors;
        this.runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "training-runner");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(runsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + runsDir, e);
        }
    }

    public Path runsDir() {
        return runsDir;
    }

    public Path dataRoot() {
        return dataRoot;
    }

    /** Queues every run that a crash or shutdown left unfinished, oldest first. */
    public void resumeUnfinished() {
        for (RunStatus s : list()) {
            if (s.state == RunStatus.State.RUNNING || s.state == RunStatus.State.QUEUED) {
                log.info("Resuming training run {} ({} at {} step {})", s.id, s.state, s.stage, s.step);
                enqueue(s.id);
            }
        }
    }

    /** Every problem with a plan and base before they are accepted. */
    public List<String> validate(TrainingPlan plan, BaseModel base) {
        return validate(plan, base, dataRoot);
    }

    /** Every problem with a plan and base (null: none given), paths resolved under {@code dataRoot}. */
    public static List<String> validate(TrainingPlan plan, BaseModel base, Path dataRoot) {
        List<String> problems = new ArrayList<>(plan.validate(dataRoot));
        if (plan.startsFromRetrieverModel()) {
            problems.addAll(base == null
                    ? List.of("base: missing (plan '" + plan.name() + "' starts from a retriever model directory with a pretrained encoder)")
                    : base.validateRetrieverModel(dataRoot));
        } else if (plan.trainsRetriever()) {
            if (base != null) {
                problems.add("base: a retriever plan starts from its own data (vocabulary and random weights); give no base");
            }
        } else if (base == null) {
            problems.add("base: missing (a model directory, or {\"init\": \"random\", …})");
        } else {
            problems.addAll(base.validate(dataRoot));
        }
        return problems;
    }

    /** Creates a run and queues it; returns its status (QUEUED). */
    public synchronized RunStatus submit(TrainingPlan plan, BaseModel base) {
        String id = "run-" + LocalDateTime.now().format(ID_TIME) + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        try {
            RunStatus s = TrainingRun.create(runsDir.resolve(id), id, plan, base);
            enqueue(id);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run " + id, e);
        }
    }

    private void enqueue(String id) {
        runner.execute(() -> runNow(id));
    }

    private void runNow(String id) {
        Path dir = runsDir.resolve(id);
        TrainingRun run;
        synchronized (this) {
            try {
                RunStatus s = TrainingRun.readStatus(dir);
                if (s.ended()) {
                    return;     // cancelled while it waited
                }
                run = new TrainingRun(dir, dataRoot, distractors, (type, data) -> publish(id, type, data),
                        () -> cancelRequested.contains(id));
            } catch (IOException | RuntimeException e) {
                log.error("Cannot start training run {}: {}", id, e.toString());
                return;
            }
        }
        if (threads > 0) {
            ai.djl.engine.Engine.getInstance();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        log.info("Training run {} starts", id);
        run.execute();
        log.info("Training run {} ends: {}{}", id, run.status().state, run.status().error == null ? "" : " (" + run.status().error + ")");
        cancelRequested.remove(id);
    }

    public List<RunStatus> list() {
        try (Stream<Path> dirs = Files.list(runsDir)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(TrainingRun.STATE)))
                    .map(d -> {
                        try {
                            return TrainingRun.readStatus(d);
                        } catch (IOException | RuntimeException e) {
                            return null;
                        }
                    })
                    .filter(s -> s != null)
                    .sorted(Comparator.comparing((RunStatus s) -> s.created))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The directory a checkpoint reference names: {@code RUN/NAME} as {@code GET /admin/checkpoints}
     * lists it, or an absolute path (returned as it is); anything else is a 400.
     */
    public Path resolveCheckpoint(String ref) {
        if (Path.of(ref).isAbsolute()) {
            return Path.of(ref);
        }
        String[] parts = ref.split("/");
        if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9_.-]+") || !parts[1].matches("[A-Za-z0-9_.-]+")
                || parts[1].startsWith(".")) {
            throw com.lawyerllama.system.ApiException.badRequest(
                    "checkpoint must be RUN/NAME (as GET /admin/checkpoints lists) or an absolute directory, got " + ref);
        }
        return runsDir.resolve(parts[0]).resolve("checkpoints").resolve(parts[1]);
    }

    /** The run's status, or null when there is no such run. */
    public RunStatus get(String id) {
        if (id == null || !id.matches("[A-Za-z0-9_.-]+")) {
            return null;
        }
        Path dir = runsDir.resolve(id);
        if (!Files.isRegularFile(dir.resolve(TrainingRun.STATE))) {
            return null;
        }
        try {
            return TrainingRun.readStatus(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Cancels a queued or running run: a queued one at once, a running one after its current
     * step. Returns the status, or null for an unknown run.
     *
     * @throws IllegalStateException when the run has already ended
     */
    public synchronized RunStatus cancel(String id) {
        RunStatus s = get(id);
        if (s == null) {
            return null;
        }
        if (s.ended()) {
            throw new IllegalStateException("run " + id + " has already ended (" + s.state + ")");
        }
        cancelRequested.add(id);
        if (s.state == RunStatus.State.QUEUED) {
            s.state = RunStatus.State.CANCELLED;
            s.finished = java.time.Instant.now().toString();
            try {
                TrainingRun.writeStatus(runsDir.resolve(id), s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            publish(id, "state", s);
        }
        return s;
    }

    public void subscribe(String id, TrainingRun.Listener listener) {
        listeners.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    public void unsubscribe(String id, TrainingRun.Listener listener) {
        List<TrainingRun.Listener> l = listeners.get(id);
        if (l != null) {
            l.remove(listener);
        }
    }

    private void publish(String id, String type, Object data) {
        for (TrainingRun.Listener l : listeners.getOrDefault(id, List.of())) {
            try {
                l.onEvent(type, data);
            } catch (RuntimeException e) {
                unsubscribe(id, l);
            }
        }
    }

    /** Stops the runner: the running run is interrupted (it stays RUNNING on disk and resumes at the next start). */
    public void shutdown() {
        runner.shutdownNow();
        try {
            if (!runner.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("The training runner did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
