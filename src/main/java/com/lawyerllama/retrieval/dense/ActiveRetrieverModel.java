package com.lawyerllama.retrieval.dense;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.lawyerllama.retrieval.RetrievalProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The dense retriever model being served: loaded on DJL at start-up from
 * {@code lawyer.retrieval.dense.model-path} and swapped by {@link #activate} without downtime, as
 * {@link com.lawyerllama.llama.LlamaEngine#activate} swaps LLaMA checkpoints: questions and
 * embedding passes that hold a {@link Lease} on the previous model finish on it, and it is closed
 * when the last of them lets go.
 *
 * <p>Start-up: an empty path means no dense retrieval; the default path ({@code models/retriever})
 * missing means no dense retrieval either (logged); any other path that is missing or does not load
 * stops the start with the reason.
 */
@Component
public class ActiveRetrieverModel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ActiveRetrieverModel.class);

    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private final String configuredPath;
    private final Double queryWeight;
    private volatile String absence;
    private NDManager root;

    /** A model in use; {@link #close()} lets go of it. */
    public static final class Lease implements AutoCloseable {
        private final Loaded loaded;
        private boolean closed;

        private Lease(Loaded loaded) {
            this.loaded = loaded;
        }

        public DenseEncoder encoder() {
            return loaded.encoder;
        }

        /** The id the index's vectors carry for this model ({@link DenseEncoder#vectorId()}). */
        public String id() {
            return loaded.encoder.vectorId();
        }

        public Path path() {
            return loaded.path;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                loaded.release();
            }
        }
    }

    private static final class Loaded {
        final DenseEncoder encoder;
        final Path path;
        final Instant activatedAt = Instant.now();
        /** Leases plus one for being the active model; the encoder is closed when it drops to 0. */
        final AtomicInteger users = new AtomicInteger(1);

        Loaded(DenseEncoder encoder, Path path) {
            this.encoder = encoder;
            this.path = path;
        }

        boolean tryAcquire() {
            while (true) {
                int n = users.get();
                if (n == 0) {
                    return false;
                }
                if (users.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (users.decrementAndGet() == 0) {
                encoder.close();
                log.info("Closed the previous retriever model {} ({})", encoder.id(), path);
            }
        }
    }

    public ActiveRetrieverModel(RetrievalProperties properties) {
        this.configuredPath = properties.dense().modelPath() == null ? "" : properties.dense().modelPath().trim();
        this.queryWeight = properties.dense().pretrainedWeight();
        if (configuredPath.isEmpty()) {
            absence = "dense retrieval is off (lawyer.retrieval.dense.model-path is empty)";
            log.info("lawyer.retrieval.dense.model-path is empty: retrieval is BM25 only");
            return;
        }
        Path dir = Path.of(configuredPath);
        if (!Files.exists(dir)) {
            if (configuredPath.equals(RetrievalProperties.Dense.DEFAULT_MODEL_PATH)) {
                absence = "no retriever model at " + dir.toAbsolutePath() + " (lawyer.retrieval.dense.model-path)";
                log.info("No retriever model at {} (the default lawyer.retrieval.dense.model-path): retrieval is BM25 only",
                        dir.toAbsolutePath());
                return;
            }
            throw new RetrieverModelException("lawyer.retrieval.dense.model-path=" + configuredPath
                    + ": no such directory (" + dir.toAbsolutePath() + ")", null);
        }
        try {
            activate(dir);
        } catch (IOException | RuntimeException e) {
            close();
            throw new RetrieverModelException("lawyer.retrieval.dense.model-path=" + configuredPath
                    + ": cannot load the retriever model: " + e.getMessage(), e);
        }
    }

    /**
     * Loads the model in {@code dir} and serves it from now on; the previous model is closed once
     * nothing uses it any more.
     *
     * @throws IOException when {@code dir} is not a loadable retriever model (the current model stays)
     */
    public DenseEncoder activate(Path dir) throws IOException {
        return activate(dir, encoder -> { });
    }

    /**
     * As {@link #activate(Path)}, after {@code check} accepted the loaded model: an exception from it
     * leaves the current model serving (and is thrown on).
     */
    public synchronized DenseEncoder activate(Path dir, Consumer<DenseEncoder> check) throws IOException {
        long start = System.nanoTime();
        DenseEncoder encoder = DenseEncoder.load(dir, root());
        try {
            check.accept(encoder);
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        Loaded previous = current.getAndSet(new Loaded(encoder, dir.toAbsolutePath().normalize()));
        absence = null;
        log.info("Retriever model {} ({} dims, {} units) active from {}, loaded in {} ms", encoder.id(), encoder.dims(),
                encoder.vocabulary().size(), dir.toAbsolutePath(), (System.nanoTime() - start) / 1_000_000);
        if (previous != null) {
            previous.release();
        }
        return encoder;
    }

    private NDManager root() {
        if (root == null) {
            root = NDManager.newBaseManager(Device.cpu());
        }
        return root;
    }

    /** The active model, held until the lease is closed; empty when none is active. */
    public Optional<Lease> acquire() {
        while (true) {
            Loaded loaded = current.get();
            if (loaded == null) {
                return Optional.empty();
            }
            if (loaded.tryAcquire()) {
                return Optional.of(new Lease(loaded));
            }
            // retired between the read and the acquire: a newer model is active by now
        }
    }

    /** The id the index's vectors carry for the active model ({@link DenseEncoder#vectorId()}), if any. */
    public Optional<String> activeId() {
        Loaded loaded = current.get();
        return loaded == null ? Optional.empty() : Optional.of(loaded.encoder.vectorId());
    }

    /** Why no model is active (null when one is). */
    public String absence() {
        return current.get() == null ? absence : null;
    }

    /** What health, info and the admin API show. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        Loaded loaded = current.get();
        d.put("loaded", loaded != null);
        if (loaded == null) {
            d.put("reason", absence);
            return d;
        }
        DenseEncoder.Config config = loaded.encoder.config();
        d.put("id", config.id());
        d.put("vectorId", loaded.encoder.vectorId());
        d.put("path", loaded.path.toString());
        d.put("type", config.type());
        d.put("dims", loaded.encoder.dims());
        d.put("vocabSize", config.vocabSize());
        if (loaded.encoder.pretrained().isPresent()) {
            d.put("pretrained", config.pretrained());
            d.put("pretrainedWeight", queryWeight == null ? config.pretrainedWeight() : queryWeight);
            d.put("questionEncoder", loaded.encoder.queryStudent().isPresent()
                    ? "distilled (" + config.queryStudentDims() + "-dim unit embeddings)" : config.pretrained());
        }
        d.put("activatedAt", loaded.activatedAt.toString());
        return d;
    }

    /**
     * Stops serving. The engine's memory is freed unless a lease still holds the model (a pass being
     * stopped at shutdown): freeing it under a running encoder would crash, and the process ends anyway.
     */
    @Override
    public synchronized void close() {
        Loaded loaded = current.getAndSet(null);
        boolean inUse = false;
        if (loaded != null) {
            loaded.release();
            inUse = loaded.users.get() > 0;
        }
        if (root != null && !inUse) {
            root.close();
            root = null;
        }
    }
}
