package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import com.lawyerllama.system.ApiException;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Statute search and the article viewer, for the web page and integrators. */
@RestController
@RequestMapping("/articles")
public class ArticleController {

    /** An article as the API shows it. */
    public record ArticleView(String id, String law, String lawTitle, String article, String citation, String text,
                              String version, boolean current, List<String> path, String category) {
        static ArticleView of(Article a) {
            return new ArticleView(a.id(), a.law(), a.lawTitle(), a.articleLabel(), a.citation(), a.text(),
                    a.version(), a.current(), a.path(), a.category());
        }
    }

    /** A search hit: the article, its score and what found it. */
    public record SearchHit(ArticleView article, double score, String source) {
    }

    public record SearchResponse(String query, int k, List<SearchHit> hits) {
    }

    private final ArticleRetriever retriever;
    private final ArticleIndex index;
    private final ArticleIndexStatus status;

    public ArticleController(ArticleRetriever retriever, ArticleIndex index, ArticleIndexStatus status) {
        this.retriever = retriever;
        this.index = index;
        this.status = status;
    }

    @GetMapping("/search")
    SearchResponse search(@RequestParam(name = "q", required = false) String q,
                          @RequestParam(name = "k", defaultValue = "10") int k) {
        if (q == null || q.isBlank()) {
            throw ApiException.badRequest("parameter q (the search text) is required");
        }
        List<SearchHit> hits = retriever.retrieve(ArticleRetriever.Request.of(q, k)).stream()
                .map(h -> new SearchHit(ArticleView.of(h.article()),
                        h.score() == Double.MAX_VALUE ? 1000.0 : h.score(), h.source()))
                .toList();
        return new SearchResponse(q, k, hits);
    }

    @GetMapping("/{id}")
    ArticleView get(@PathVariable String id) {
        if (id.length() > 200) {
            throw ApiException.badRequest("article id too long");
        }
        status.requireSearchable();
        return index.get(id).map(ArticleView::of).orElseThrow(() -> ApiException.notFound("no article " + id));
    }
}
