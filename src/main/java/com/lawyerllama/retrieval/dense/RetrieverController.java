package com.lawyerllama.retrieval.dense;

import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.system.ApiException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Admin API of the dense retriever: what serves now ({@code GET /admin/retriever}), activating
 * another model ({@code POST /admin/retriever/activate {"path": DIR}}, which also starts the pass
 * that embeds the index with it), and embedding passes ({@code POST /admin/retriever/embed},
 * {@code GET /admin/retriever/embed[/{id}]}).
 */
@RestController
@RequestMapping("/admin/retriever")
public class RetrieverController {
    private final ActiveRetrieverModel model;
    private final EmbeddingJobs jobs;
    private final RetrieverStatus status;
    private final ArticleIndex index;

    public RetrieverController(ActiveRetrieverModel model, EmbeddingJobs jobs, RetrieverStatus status, ArticleIndex index) {
        this.model = model;
        this.jobs = jobs;
        this.status = status;
        this.index = index;
    }

    @GetMapping
    Map<String, Object> describe() {
        return status.describe();
    }

    /**
     * Serves the retriever model in {@code path} (a directory on the server; relative to the service's
     * working directory) from now on. Refused, with the current model kept, when it does not load or
     * makes vectors of other dimensions than the index holds.
     */
    @PostMapping("/activate")
    Map<String, Object> activate(@RequestBody JsonNode body) {
        String ref = body.path("path").asString("");
        if (ref.isBlank()) {
            throw ApiException.badRequest("give the retriever model directory as {\"path\": DIR}");
        }
        Path dir = Path.of(ref);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw ApiException.notFound("no retriever model at " + ref
                    + " (expected a directory with config.json, vocab.txt and model.safetensors)").with("path", ref);
        }
        try {
            model.activate(dir, candidate -> {
                Optional<String> current = index.currentIndex();
                OptionalInt dims = current.isPresent() ? index.vectorDims(current.get()) : OptionalInt.empty();
                if (dims.isPresent() && dims.getAsInt() != candidate.dims()) {
                    throw ApiException.conflict(ArticleIndex.dimsMismatch(current.get(), dims.getAsInt(), candidate.dims()))
                            .with("path", ref);
                }
            });
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException refused) {
                throw refused;
            }
            throw ApiException.badRequest("cannot load " + dir + ": " + e.getMessage()).with("path", ref);
        }
        Optional<EmbedJob> job = jobs.startIfIncomplete();
        Map<String, Object> out = new LinkedHashMap<>(status.describe());
        job.ifPresent(j -> out.put("embedJob", j));
        return out;
    }

    @PostMapping("/embed")
    ResponseEntity<EmbedJob> embed() {
        EmbedJob job = jobs.start();
        return ResponseEntity.accepted().location(URI.create("/admin/retriever/embed/" + job.id())).body(job);
    }

    @GetMapping("/embed/{id}")
    EmbedJob get(@PathVariable String id) {
        return jobs.get(id).orElseThrow(() -> ApiException.notFound("no embedding job " + id));
    }

    @GetMapping("/embed")
    List<EmbedJob> list() {
        return jobs.list();
    }
}
