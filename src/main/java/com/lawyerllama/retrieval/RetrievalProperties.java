package com.lawyerllama.retrieval;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The article index and the retriever.
 *
 * @param alias          the alias searches go through; versioned indices ({@code alias-yyyyMMddHHmmss}) sit behind it
 * @param analyzer       {@code cjk_bigram} (built in: standard tokenizer + 2-shingles, works on the minimal
 *                       distribution) or the name of an installed plugin analyzer ({@code ik_max_word}, {@code smartcn})
 * @param topK           articles returned by default
 * @param maxK           largest {@code k} a caller may ask for
 * @param minScore       relevance floor, as a fraction of the best hit's score: hits below it are dropped
 *                       (the best hit itself must reach {@code minBestScore})
 * @param minBestScore   the best BM25 hit's raw score below which nothing is returned (clearly unrelated)
 * @param maxQueryLength longest question (characters) a search accepts
 * @param bulkSize       articles per bulk request when importing
 * @param categoryPrior  weight national laws above regulations and departmental rules
 * @param popularityPrior weight articles by how often other statutes cite them
 * @param lawBoost       boost for articles of laws the question names
 * @param candidates     BM25 hits the priors re-weight before the top k are taken
 * @param fields         fields the question is matched against, with boosts
 * @param searchAnalyzer analyzer for the question at search time ({@code cjk_bigram_search}: bigrams only,
 *                       defined by the index; empty: the field's own analyzer, unigrams and bigrams)
 */
@ConfigurationProperties(prefix = "lawyer.retrieval")
public record RetrievalProperties(
        @DefaultValue("articles") String alias,
        @DefaultValue("cjk_bigram") String analyzer,
        @DefaultValue("3") int topK,
        @DefaultValue("20") int maxK,
        @DefaultValue("0.25") double minScore,
        @DefaultValue("5.0") double minBestScore,
        @DefaultValue("2000") int maxQueryLength,
        @DefaultValue("500") int bulkSize,
        @DefaultValue("true") boolean categoryPrior,
        @DefaultValue("false") boolean popularityPrior,
        @DefaultValue("8.0") float lawBoost,
        @DefaultValue("50") int candidates,
        @DefaultValue("") String searchAnalyzer,
        @DefaultValue({"text^1.0", "path^0.4", "lawTitle^0.3"}) java.util.List<String> fields) {
}
