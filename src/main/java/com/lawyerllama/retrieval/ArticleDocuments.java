package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An {@link Article} as stored in the index, and back. */
final class ArticleDocuments {
    private ArticleDocuments() {
    }

    static Map<String, Object> toDocument(Article a, int citedBy) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", a.id());
        doc.put("law", a.law());
        doc.put("lawTitle", a.lawTitle());
        doc.put("category", a.category());
        doc.put("version", a.version());
        doc.put("current", a.current());
        doc.put("path", a.path());
        doc.put("number", a.number());
        doc.put("suffix", a.suffix());
        doc.put("label", a.articleLabel());
        doc.put("citation", a.citation());
        doc.put("text", a.text());
        doc.put("sourceFile", a.sourceFile());
        doc.put("line", a.line());
        doc.put("citedBy", citedBy);
        return doc;
    }

    @SuppressWarnings("unchecked")
    static Article fromDocument(Map<String, Object> doc) {
        Object path = doc.get("path");
        return new Article(
                (String) doc.get("id"),
                (String) doc.get("law"),
                (String) doc.get("lawTitle"),
                (String) doc.getOrDefault("category", ""),
                (String) doc.getOrDefault("version", ""),
                Boolean.TRUE.equals(doc.get("current")),
                path instanceof List<?> list ? (List<String>) list : List.of(),
                ((Number) doc.get("number")).intValue(),
                ((Number) doc.getOrDefault("suffix", 0)).intValue(),
                (String) doc.get("text"),
                (String) doc.getOrDefault("sourceFile", ""),
                ((Number) doc.getOrDefault("line", 0)).intValue());
    }
}
