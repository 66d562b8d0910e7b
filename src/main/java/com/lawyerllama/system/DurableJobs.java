package com.lawyerllama.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Background jobs of one kind (corpus imports, embedding passes), run one after another on one
 * worker thread. Each job is a record stored as {@code <dir>/<id>.json} whenever it changes, so
 * after a restart the admin still sees how far a job got; a job that was queued or running when the
 * service stopped is marked by {@code onInterrupted} (these jobs are all finished by running them again).
 *
 * @param <J> the job record
 */
public final class DurableJobs<J extends DurableJobs.Job> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableJobs.class);
    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

    /** What every job record has, and the states they share (a kind of job may add its own final ones). */
    public interface Job {
        String QUEUED = "queued";
        String RUNNING = "running";
        String SUCCEEDED = "succeeded";
        String FAILED = "failed";
        /** The service stopped during it; running the job again finishes it. */
        String INTERRUPTED = "interrupted";

        String id();

        String state();

        Instant createdAt();

        /** Neither queued nor running. */
        default boolean finished() {
            return !QUEUED.equals(state()) && !RUNNING.equals(state());
        }
    }

    /** A job's work: runs {@code queued}, reporting each new state to {@code progress}, and returns the final state. */
    @FunctionalInterface
    public interface Work<J> {
        J run(J queued, Consumer<J> progress);
    }

    private final Path dir;
    private final Class<J> type;
    private final Map<String, J> jobs = new ConcurrentHashMap<>();
    private final ExecutorService worker;

    public DurableJobs(Path dir, Class<J> type, String threadName, UnaryOperator<J> onInterrupted) {
        this.dir = dir;
        this.type = type;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        loadStored(onInterrupted);
    }

    /** Stores {@code queued} and runs {@code work} on it after the jobs queued before it. */
    public J submit(J queued, Work<J> work) {
        save(queued);
        worker.submit(() -> {
            try {
                save(work.run(queued, this::save));
            } catch (RuntimeException e) {
                log.error("Job {} ended unexpectedly", queued.id(), e);
            }
        });
        return queued;
    }

    /**
     * Stores a new state of a job that is not running, e.g. a queued job cancelled before its turn
     * (its work, when the worker reaches it, sees the job {@link Job#finished() finished} in {@link #get}).
     */
    public void update(J job) {
        save(job);
    }

    public Optional<J> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Newest first. */
    public List<J> list() {
        return jobs.values().stream().sorted(Comparator.comparing(Job::createdAt).reversed()).toList();
    }

    /** The oldest job that is queued or running, if any. */
    public Optional<J> active() {
        return jobs.values().stream().filter(j -> !j.finished()).min(Comparator.comparing(Job::createdAt));
    }

    private void save(J job) {
        jobs.put(job.id(), job);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(job.id() + ".json.tmp");
            Files.writeString(tmp, JSON.writeValueAsString(job));
            Files.move(tmp, dir.resolve(job.id() + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn("Could not store the state of job {}: {}", job.id(), e.getMessage());
        }
    }

    private void loadStored(UnaryOperator<J> onInterrupted) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    J job = JSON.readValue(file.toFile(), type);
                    if (!job.finished()) {
                        job = onInterrupted.apply(job);
                        save(job);
                    }
                    jobs.put(job.id(), job);
                } catch (RuntimeException e) {
                    log.warn("Ignoring unreadable job state {}: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the worker (a running job is interrupted; it is marked so at the next start). */
    @Override
    public void close() {
        worker.shutdownNow();
    }
}
