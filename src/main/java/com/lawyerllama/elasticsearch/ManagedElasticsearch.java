package com.lawyerllama.elasticsearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a local single-node Elasticsearch from the real distribution zip, as a child process.
 *
 * <p>The zip is unpacked once under {@code baseDir}; data and logs live beside it and persist
 * between runs. Elasticsearch refuses to run as root, so when this JVM is root the node runs as
 * an unprivileged system user (created if missing). The node listens on loopback only, with
 * security off, which is why it is never exposed beyond this machine.
 *
 * <p>Used both by the service (through {@link ManagedElasticsearchLifecycle}) and by the
 * integration tests, so the tests exercise exactly the launcher that users run.
 */
public final class ManagedElasticsearch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ManagedElasticsearch.class);

    /** The distribution version the build fetches (pom.xml: elasticsearch.server.version). */
    public static final String VERSION = "8.19.21";

    public enum State { NEW, STARTING, RUNNING, STOPPED, FAILED }

    /**
     * @param javaHome the JDK the node runs on; null: the service's own. Lucene computes vector
     *                 similarities with SIMD instructions only on JDK 21 and later (the official
     *                 Elasticsearch images bundle such a JDK); on a JDK 17 service a newer JDK here
     *                 made the node's own kNN time about a third shorter (docs/retrieval.md, where a dense search's time goes).
     */
    public record Settings(Path distribution, Path baseDir, int port, String heap,
                           Duration startTimeout, String unprivilegedUser, Path javaHome) {
    }

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** What we started: {@code runuser} (as root) or the distribution's launcher script, not the node itself. */
    private volatile Process process;
    /** The node: the Elasticsearch server JVM, whose pid the node writes to its pid file. */
    private volatile ProcessHandle node;
    private volatile State state = State.NEW;
    private volatile String reason = "not started";
    private volatile Path home;
    private volatile Path stateDir;
    private volatile boolean closing;
    private java.nio.channels.FileChannel lockChannel;
    private java.nio.channels.FileLock lock;
    private volatile boolean sharedWithAnotherProcess;

    public ManagedElasticsearch(Settings settings) {
        this.settings = settings;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + settings.port());
    }

    public State state() {
        return state;
    }

    /** Why the node is not running (or "running"). */
    public String reason() {
        return reason;
    }

    /** The pid of the Elasticsearch server JVM (not of the runuser/launcher wrapper that started it). */
    public Optional<Long> pid() {
        ProcessHandle n = node;
        return n != null && n.isAlive() ? Optional.of(n.pid()) : Optional.empty();
    }

    /** The node process, once known (it is known from the pid file when the node is healthy). */
    public Optional<ProcessHandle> nodeProcess() {
        return Optional.ofNullable(node);
    }

    /** True while the node (or, before its pid is known, the launcher that starts it) runs. */
    public boolean isAlive() {
        ProcessHandle n = node;
        if (n != null) {
            return n.isAlive();
        }
        Process p = process;
        return p != null && p.isAlive();
    }

    private Path javaHome() {
        return settings.javaHome() != null ? settings.javaHome() : Path.of(System.getProperty("java.home"));
    }

    /** Where the node's data, logs and unpacked distribution are. */
    public Path stateDir() {
        return stateDir;
    }

    /**
     * Unpacks (first time), starts the node and waits until the cluster is at least yellow.
     *
     * @throws IllegalStateException with the reason (and the node's last log lines) when it fails
     */
    public synchronized void start() {
        if (isAlive()) {
            return;
        }
        closing = false;
        state = State.STARTING;
        reason = "starting";
        try {
            boolean root = isRoot();
            stateDir = chooseStateDir(root);
            if (!acquireLock()) {
                // Another process of ours (e.g. the service while this is a CLI command) runs the node: use it.
                sharedWithAnotherProcess = true;
                log.info("The Elasticsearch node under {} is run by another process; using it at {}", stateDir, uri());
                waitUntilHealthy(stateDir.resolve("logs/console.log"));
                state = State.RUNNING;
                reason = "running (managed by another process)";
                return;
            }
            Path java = javaHome().resolve("bin").resolve("java");
            if (!Files.isExecutable(java)) {
                throw new IllegalStateException("no Java for Elasticsearch at " + java
                        + " (lawyer.elasticsearch.managed.java-home must be a JDK's home directory)");
            }
            home = unpack(stateDir);
            Path data = Files.createDirectories(stateDir.resolve("data"));
            Path logs = Files.createDirectories(stateDir.resolve("logs"));
            Path pidFile = stateDir.resolve("elasticsearch.pid");
            killStaleNode(pidFile);
            if (root) {
                ensureUser(settings.unprivilegedUser());
                run(List.of("chown", "-R", settings.unprivilegedUser(), stateDir.toString()));
            }
            List<String> command = new ArrayList<>();
            if (root) {
                command.addAll(List.of("runuser", "-u", settings.unprivilegedUser(), "--"));
            }
            command.add(home.resolve("bin/elasticsearch").toString());
            command.addAll(List.of(
                    "-Ecluster.name=lawyer-llama",
                    "-Enode.name=lawyer-llama-node",
                    "-Ediscovery.type=single-node",
                    "-Enetwork.host=127.0.0.1",
                    "-Ehttp.port=" + settings.port(),
                    "-Epath.data=" + data,
                    "-Epath.logs=" + logs,
                    "-Expack.security.enabled=false",
                    "-Ecluster.routing.allocation.disk.threshold_enabled=false",
                    "-Eaction.auto_create_index=false",
                    "-p", pidFile.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("console.log").toFile()));
            builder.environment().put("ES_JAVA_HOME", javaHome().toString());
            builder.environment().put("ES_JAVA_OPTS", "-Xms" + settings.heap() + " -Xmx" + settings.heap());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            log.info("Starting Elasticsearch {} on {} (state under {}{})", VERSION, uri(), stateDir,
                    root ? ", as user " + settings.unprivilegedUser() : "");
            node = null;
            process = builder.start();
            waitUntilHealthy(logs.resolve("console.log"));
            node = readNodePid(pidFile).orElseGet(process::toHandle);
            state = State.RUNNING;
            reason = "running";
            log.info("Elasticsearch is up on {} (node pid {}, launched by pid {})", uri(), node.pid(), process.pid());
        } catch (IOException | RuntimeException e) {
            stopProcess();
            releaseLock();
            state = State.FAILED;
            reason = e.getMessage();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Stops the node and every process it started; waits for them to exit. */
    @Override
    public synchronized void close() {
        closing = true;
        stopProcess();
        releaseLock();
        if (state != State.FAILED) {
            state = State.STOPPED;
            reason = "stopped";
        }
    }

    /**
     * True when the node died without being asked to stop. Only the node counts: a launcher
     * wrapper that exits (or is killed) while the node serves leaves a healthy node, which is kept.
     */
    public boolean diedUnexpectedly() {
        ProcessHandle n = node;
        return !closing && !sharedWithAnotherProcess && n != null && !n.isAlive() && state == State.RUNNING;
    }

    /** Marks a dead node failed, for health reporting before a restart. */
    public synchronized void markDied() {
        ProcessHandle n = node;
        if (n != null && !n.isAlive() && state == State.RUNNING) {
            Process p = process;
            state = State.FAILED;
            reason = "the Elasticsearch node (pid " + n.pid() + ") exited"
                    + (p != null && !p.isAlive() ? " (launcher exit code " + p.exitValue() + ")" : "")
                    + "; see " + stateDir.resolve("logs/console.log");
        }
    }

    /** The server JVM named in the node's pid file, when it runs. */
    private static Optional<ProcessHandle> readNodePid(Path pidFile) {
        try {
            String text = Files.readString(pidFile).trim();
            return text.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot read the Elasticsearch node's pid from {}: {}", pidFile, e.getMessage());
            return Optional.empty();
        }
    }

    private void stopProcess() {
        Process p = process;
        ProcessHandle n = node;
        node = null;
        if (p == null && n == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>();
        if (n != null) {
            // First, so that it is stopped even when its launcher is gone (the node was re-parented).
            tree.add(n);
            n.descendants().forEach(tree::add);
        }
        if (p != null) {
            p.descendants().filter(h -> !tree.contains(h)).forEach(tree::add);
            tree.add(p.toHandle());
        }
        // Elasticsearch shuts down cleanly on SIGTERM; the launcher forwards it to the server JVM.
        tree.forEach(ProcessHandle::destroy);
        Instant deadline = Instant.now().plusSeconds(30);
        for (ProcessHandle handle : tree) {
            long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
            try {
                handle.onExit().get(left, TimeUnit.MILLISECONDS);
            } catch (Exception timeoutOrInterrupt) {
                handle.destroyForcibly();
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process = null;
    }

    /**
     * Stops what is left of a node that died (its launcher, which exits on its own shortly after)
     * and starts a new one.
     */
    public synchronized void restart() {
        stopProcess();
        start();
    }

    /**
     * One process manages a node directory at a time: the holder of {@code lawyer.lock}. A pid file
     * whose process is alive while the lock is free was left by a process that died.
     */
    private boolean acquireLock() throws IOException {
        if (lock != null) {
            return true;
        }
        lockChannel = java.nio.channels.FileChannel.open(stateDir.resolve("lawyer.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            lockChannel = null;
            return false;
        }
        return true;
    }

    private void releaseLock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            log.debug("releasing the node lock: {}", e.getMessage());
        }
        lock = null;
        lockChannel = null;
    }

    /** True when another process manages this node and this one only uses it. */
    public boolean sharedWithAnotherProcess() {
        return sharedWithAnotherProcess;
    }

    private void waitUntilHealthy(Path consoleLog) {
        Instant deadline = Instant.now().plus(settings.startTimeout());
        URI health = uri().resolve("/_cluster/health?wait_for_status=yellow&timeout=1s");
        while (Instant.now().isBefore(deadline)) {
            Process p = process;
            if (!sharedWithAnotherProcess && (p == null || !p.isAlive())) {
                throw new IllegalStateException("Elasticsearch exited during start-up (code "
                        + (p == null ? "?" : p.exitValue()) + "): " + tail(consoleLog));
            }
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(3)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && !response.body().contains("\"status\":\"red\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Elasticsearch");
            }
            sleep(500);
        }
        throw new IllegalStateException("Elasticsearch did not become healthy within "
                + settings.startTimeout().toSeconds() + " s: " + tail(consoleLog));
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + file + ")";
        }
    }

    /**
     * As root, the unprivileged user must reach the state directory; a data directory under a
     * private home (/root/...) is not reachable, so the node's state then goes to
     * /var/lib/lawyer-llama/&lt;that path, flattened&gt; instead (logged).
     */
    private Path chooseStateDir(boolean root) throws IOException {
        Path preferred = settings.baseDir().toAbsolutePath().normalize();
        if (!root || traversableByOthers(preferred)) {
            return Files.createDirectories(preferred);
        }
        // One fallback per preferred directory, so two services (or a service and a test run) never share a node.
        Path fallback = Path.of("/var/lib/lawyer-llama", preferred.toString().replaceAll("[^A-Za-z0-9._-]", "_"));
        log.warn("{} is not reachable by user {}; keeping the Elasticsearch node's state under {} instead",
                preferred, settings.unprivilegedUser(), fallback);
        return Files.createDirectories(fallback);
    }

    private static boolean traversableByOthers(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    /** Unpacks the distribution once (to a temporary directory, then renamed into place). */
    private Path unpack(Path stateDir) throws IOException {
        Path target = stateDir.resolve("elasticsearch-" + VERSION);
        if (Files.isRegularFile(target.resolve("bin/elasticsearch"))) {
            return target;
        }
        Path zip = settings.distribution();
        if (zip == null || !Files.isRegularFile(zip)) {
            throw new IllegalStateException("Elasticsearch distribution not found" + (zip == null ? "" : " at " + zip)
                    + "; build the project with ./mvnw package (it fetches "
                    + "org.elasticsearch.distribution.integ-test-zip:elasticsearch:" + VERSION
                    + ") or set lawyer.elasticsearch.managed.distribution");
        }
        log.info("Unpacking {} into {}", zip, target);
        Path tmp = Files.createTempDirectory(stateDir, ".unpack-");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path out = tmp.resolve(entry.getName()).normalize();
                if (!out.startsWith(tmp)) {
                    throw new IOException("zip entry outside target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path unpacked = tmp.resolve("elasticsearch-" + VERSION);
        try (Stream<Path> bins = Files.list(unpacked.resolve("bin"))) {
            for (Path bin : bins.toList()) {
                bin.toFile().setExecutable(true, false);
            }
        }
        Files.move(unpacked, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(tmp);
        return target;
    }

    /** A node left behind by a service that was killed: stop it before starting ours. */
    private void killStaleNode(Path pidFile) throws IOException {
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile).trim();
        Files.deleteIfExists(pidFile);
        if (text.isEmpty()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains("elasticsearch")).orElse(true))
                .ifPresent(stale -> {
                    log.warn("Stopping a stale Elasticsearch node (pid {}) left by an earlier run", stale.pid());
                    stale.destroy();
                    try {
                        stale.onExit().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        stale.destroyForcibly();
                    }
                });
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void ensureUser(String user) {
        if (runQuietly(List.of("id", "-u", user)) == 0) {
            return;
        }
        log.info("Creating system user {} to run Elasticsearch (it refuses to run as root)", user);
        run(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", user));
    }

    private static void run(List<String> command) {
        int code = runQuietly(command);
        if (code != 0) {
            throw new IllegalStateException("command failed (exit " + code + "): " + String.join(" ", command));
        }
    }

    private static int runQuietly(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (InputStream out = p.getInputStream()) {
                out.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Finds the distribution zip: the configured path, else beside the running jar
     * ({@code target/elasticsearch/}), else the working directory's {@code target/}, else the
     * local Maven repository where the build put it.
     */
    public static Optional<Path> locateDistribution(Path configured) {
        if (configured != null) {
            return Optional.of(configured);
        }
        String file = "elasticsearch-" + VERSION + ".zip";
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("lawyer.elasticsearch.distribution");
        if (property != null && !property.isBlank()) {
            candidates.add(Path.of(property));
        }
        // java -jar target/lawyer-llama.jar: the build puts the zip in target/elasticsearch/.
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            Path jarDir = Path.of(classPath).toAbsolutePath().getParent();
            if (jarDir != null) {
                candidates.add(jarDir.resolve("elasticsearch").resolve(file));
            }
        }
        candidates.add(Path.of("target", "elasticsearch", file));
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "elasticsearch",
                "distribution", "integ-test-zip", "elasticsearch", VERSION, file));
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }
}
