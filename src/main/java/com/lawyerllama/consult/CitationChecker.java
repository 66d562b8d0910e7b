package com.lawyerllama.consult;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import com.lawyerllama.retrieval.ElasticsearchArticleRetriever;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Checks every 《…》第…条 in an answer against the statute index. A citation that cannot be
 * resolved is reported as unverified: never dropped, never shown as verified. {@code provided}
 * tells whether the article was one of those given to the model.
 */
@Component
public class CitationChecker {
    private final ElasticsearchArticleRetriever retriever;
    private final ArticleResolver articles;

    public CitationChecker(ElasticsearchArticleRetriever retriever, ArticleResolver articles) {
        this.retriever = retriever;
        this.articles = articles;
    }

    public List<ConsultResponse.CitationCheck> check(String answer, List<ConsultResponse.ArticleRef> provided) {
        Set<String> providedIds = new LinkedHashSet<>();
        provided.forEach(a -> providedIds.add(a.id()));
        Set<String> providedKeys = new LinkedHashSet<>();
        provided.forEach(a -> providedKeys.add(a.law() + "#" + a.article()));
        List<ConsultResponse.CitationCheck> checks = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Citation citation : retriever.citationParser().parse(answer)) {
            String label = Article.articleLabel(citation.number(), citation.suffix());
            if (!seen.add(citation.law() + "#" + label + "#" + citation.text())) {
                continue;
            }
            Optional<Article> resolved = resolve(citation);
            boolean isProvided = resolved.map(a -> providedIds.contains(a.id())).orElse(false)
                    || providedKeys.contains(citation.law() + "#" + label);
            checks.add(new ConsultResponse.CitationCheck(citation.text(), citation.law(), label,
                    resolved.map(Article::id).orElse(null), resolved.isPresent(), isProvided));
        }
        return checks;
    }

    private Optional<Article> resolve(Citation citation) {
        try {
            return articles.resolve(citation);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
