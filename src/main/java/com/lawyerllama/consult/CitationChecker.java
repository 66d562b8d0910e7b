package com.lawyerllama.consult;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.retrieval.ElasticsearchArticleRetriever;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Checks every 《…》第…条 in an answer against the statute index. A citation that cannot be
 * resolved is reported as unverified: never dropped, never shown as verified. {@code provided}
 * tells whether the article was one of those given to the model; a real article that was not
 * given is {@code from-memory}; a citation whose number cannot be read (第一千零七十九二条) is
 * reported as {@code malformed}.
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
        Map<String, ConsultResponse.ArticleRef> providedByKey = new HashMap<>();
        provided.forEach(a -> providedByKey.putIfAbsent(a.law() + "#" + a.article(), a));
        List<Citation> cited = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        CitationParser.Parsed parsed = retriever.citationParser().parseWithMalformed(answer);
        for (Citation citation : parsed.citations()) {
            if (seen.add(key(citation) + "#" + citation.text())) {
                cited.add(citation);
            }
        }
        // A citation of a provided article is that article; the others are looked up in one request.
        List<Citation> others = cited.stream().filter(c -> !providedByKey.containsKey(key(c))).toList();
        List<Optional<Article>> found = resolveAll(others);
        // Text order: each check with where it starts.
        TreeMap<Integer, ConsultResponse.CitationCheck> checks = new TreeMap<>();
        int looked = 0;
        for (Citation citation : cited) {
            ConsultResponse.ArticleRef given = providedByKey.get(key(citation));
            String label = Article.articleLabel(citation.number(), citation.suffix());
            String articleId = given != null ? given.id() : found.get(looked++).map(Article::id).orElse(null);
            checks.put(citation.start(), new ConsultResponse.CitationCheck(citation.text(), citation.law(), label, articleId,
                    articleId != null, given != null));
        }
        Set<String> seenMalformed = new LinkedHashSet<>();
        for (CitationParser.Malformed m : parsed.malformed()) {
            if (seenMalformed.add(m.text())) {
                checks.put(m.start(), ConsultResponse.CitationCheck.malformed(m.text(), m.law(), m.reason()));
            }
        }
        return new ArrayList<>(checks.values());
    }

    private static String key(Citation citation) {
        return citation.law() + "#" + Article.articleLabel(citation.number(), citation.suffix());
    }

    /** The articles, or none verified while the index cannot answer (an unverified citation is never dropped). */
    private List<Optional<Article>> resolveAll(List<Citation> citations) {
        try {
            return articles.resolveAll(citations);
        } catch (RuntimeException e) {
            return citations.stream().map(c -> Optional.<Article>empty()).toList();
        }
    }
}
