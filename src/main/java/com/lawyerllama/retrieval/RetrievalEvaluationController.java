package com.lawyerllama.retrieval;

import com.lawyerllama.system.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /admin/retrieval/eval {"set": "/srv/data/lawbench/3-2.json", "k": [1, 3, 5], "mode": "fused"}}:
 * recall@k of the live index on a labelled set's dev split, synchronously (a set of a few
 * hundred questions takes seconds), in the given retrieval mode (default: the configured one).
 * The same measurement as the {@code eval} subcommand.
 */
@RestController
public class RetrievalEvaluationController {

    /**
     * A server-side labelled set (Lawyer LLaMA {query, laws} or LawBench 3-2), the k values, the split
     * (default dev), the retrieval mode (bm25, dense or fused; default: {@code lawyer.retrieval.mode}, or bm25
     * while dense retrieval cannot answer; a dense or fused request then answers 409 saying why).
     */
    public record EvalRequest(String set, List<Integer> k, String split, String mode) {
    }

    private final RetrievalEvaluation evaluation;
    private final ArticleIndexStatus status;

    public RetrievalEvaluationController(RetrievalEvaluation evaluation, ArticleIndexStatus status) {
        this.evaluation = evaluation;
        this.status = status;
    }

    @PostMapping("/admin/retrieval/eval")
    RetrievalEvaluation.Result evaluate(@RequestBody EvalRequest request) {
        if (request.k() != null && request.k().contains(null)) {
            throw ApiException.badRequest("k: at most 10 values, each between 1 and 20 (null is not a value)");
        }
        if (request.set() == null || request.set().isBlank()) {
            throw ApiException.badRequest("set (a labelled JSON file on the server) is required");
        }
        Path set = Path.of(request.set());
        if (!Files.isRegularFile(set)) {
            throw ApiException.badRequest("no such file on the server: " + request.set());
        }
        int[] ks = request.k() == null || request.k().isEmpty() ? new int[] {1, 3, 5}
                : request.k().stream().mapToInt(Integer::intValue).toArray();
        if (ks.length > 10 || Arrays.stream(ks).anyMatch(k -> k < 1 || k > 20)) {
            throw ApiException.badRequest("k: at most 10 values, each between 1 and 20");
        }
        RetrievalEvaluation.Split split;
        try {
            split = request.split() == null ? RetrievalEvaluation.Split.DEV
                    : RetrievalEvaluation.Split.valueOf(request.split().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("split must be dev, train, validation or all");
        }
        RetrievalProperties.Mode mode;
        try {
            mode = request.mode() == null || request.mode().isBlank() ? evaluation.configuredMode()
                    : RetrievalProperties.Mode.valueOf(request.mode().trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("mode must be bm25, dense or fused");
        }
        status.requireSearchable();
        try {
            return evaluation.evaluate(set, ks, split, mode);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage()).with("mode", mode.label());
        }
    }
}
