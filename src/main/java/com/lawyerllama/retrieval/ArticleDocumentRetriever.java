package com.lawyerllama.retrieval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.document.Document;
import org.springframework.ai.rag.Query;
import org.springframework.ai.rag.retrieval.search.DocumentRetriever;
import org.springframework.stereotype.Component;

/**
 * The article retriever as a Spring AI {@link DocumentRetriever}, so it plugs into Spring AI's
 * retrieval-augmentation advisors: each document's text is the article in prompt form
 * ({@code 《民法典》第五百八十六条：…}) with the article's fields as metadata.
 */
@Component
public class ArticleDocumentRetriever implements DocumentRetriever {
    private final ArticleRetriever retriever;
    private final RetrievalProperties properties;

    public ArticleDocumentRetriever(ArticleRetriever retriever, RetrievalProperties properties) {
        this.retriever = retriever;
        this.properties = properties;
    }

    @Override
    public List<Document> retrieve(Query query) {
        List<String> earlier = query.history().stream()
                .filter(m -> m.getMessageType() == org.springframework.ai.chat.messages.MessageType.USER)
                .map(m -> m.getText()).toList();
        return retriever.retrieve(new ArticleRetriever.Request(query.text(), earlier, properties.topK())).stream()
                .map(hit -> {
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    metadata.put("id", hit.article().id());
                    metadata.put("law", hit.article().law());
                    metadata.put("article", hit.article().articleLabel());
                    metadata.put("citation", hit.article().citation());
                    metadata.put("source", hit.source());
                    return Document.builder().id(hit.article().id()).text(hit.article().promptText())
                            .metadata(metadata).score(hit.score() == Double.MAX_VALUE ? null : hit.score()).build();
                })
                .toList();
    }
}
