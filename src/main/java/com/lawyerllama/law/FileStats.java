package com.lawyerllama.law;

/**
 * What one corpus file gave.
 *
 * @param file     the file, relative to the corpus root
 * @param law      the law's short name (empty when the file could not be read)
 * @param version  version date {@code yyyy-MM-dd} or {@code ""}
 * @param articles articles read from it
 * @param problems problems reported for it
 * @param duplicateOf the file this one repeats (same law, version and articles, filed under another
 *                 category), or {@code ""}; its articles are left out of {@link ArticleReadResult#uniqueArticles()}
 */
public record FileStats(String file, String law, String version, int articles, int problems, String duplicateOf) {
}
