package com.lawyerllama.retrieval;

import com.lawyerllama.system.ApiException;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Admin API for corpus imports: start one (asynchronous), follow its progress, list them. */
@RestController
@RequestMapping("/admin/corpus/import")
@Validated
public class CorpusImportController {

    /** A server-side corpus directory; {@code reindex} builds a fresh index and swaps it in. */
    public record ImportRequest(@NotBlank @Size(max = 4096) String path, boolean reindex) {
    }

    private final ImportJobs jobs;

    public CorpusImportController(ImportJobs jobs) {
        this.jobs = jobs;
    }

    @PostMapping
    ResponseEntity<ImportJob> start(@RequestBody @jakarta.validation.Valid ImportRequest request) {
        ImportJob job = jobs.start(Path.of(request.path()), request.reindex());
        return ResponseEntity.accepted().location(URI.create("/admin/corpus/import/" + job.id())).body(job);
    }

    @GetMapping("/{id}")
    ImportJob get(@PathVariable String id) {
        return jobs.get(id).orElseThrow(() -> ApiException.notFound("no import job " + id));
    }

    @GetMapping
    List<ImportJob> list() {
        return jobs.list();
    }
}
