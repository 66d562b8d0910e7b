package com.lawyerllama.consult;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.lawyerllama.system.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Conversations stored in Elasticsearch, one document each, so a restart loses nothing and
 * several service replicas serve the same conversation. Appends use optimistic concurrency
 * (sequence number and primary term) and retry on a conflicting write.
 */
@Component
public class ConversationStore {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();

    private final ElasticsearchClient client;
    private final String index;
    private volatile boolean indexReady;

    public ConversationStore(ElasticsearchClient client, ConsultProperties properties) {
        this.client = client;
        this.index = properties.conversationIndex();
    }

    /** 128 random bits, URL-safe: unguessable. */
    public static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static boolean isWellFormed(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public Optional<Conversation> find(String id) {
        return isWellFormed(id) ? load(id).map(Loaded::conversation) : Optional.empty();
    }

    /** @throws ApiException 404 when there is no such conversation */
    public Conversation require(String id) {
        return find(id).orElseThrow(() -> ApiException.notFound("no conversation " + id));
    }

    public boolean delete(String id) {
        if (!isWellFormed(id)) {
            return false;
        }
        ensureIndex();
        try {
            return "deleted".equals(client.delete(d -> d.index(index).id(id)).result().jsonValue());
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return false;
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends a turn, creating the conversation (with its pinned articles) on its first turn.
     *
     * @param isNew the conversation was just created by this request (its id is fresh), so there is
     *              nothing to read first; a create that collides is retried as an append
     */
    public Conversation append(String id, List<ConsultResponse.ArticleRef> pinned, Conversation.Turn turn, boolean isNew) {
        ensureIndex();
        for (int attempt = 0; ; attempt++) {
            Optional<Loaded> existing = isNew && attempt == 0 ? Optional.empty() : load(id);
            Instant now = Instant.now();
            Conversation updated;
            if (existing.isEmpty()) {
                updated = new Conversation(id, now, now, pinned, List.of(turn));
            } else {
                Conversation c = existing.get().conversation();
                List<Conversation.Turn> turns = new ArrayList<>(c.turns());
                turns.add(turn);
                updated = new Conversation(id, c.createdAt(), now, c.articles(), turns);
            }
            try {
                String json = JSON.writeValueAsString(updated);
                client.index(i -> {
                    // No refresh wait: conversations are read by id, and get-by-id is real-time.
                    i.index(index).id(id).withJson(new java.io.StringReader(json));
                    existing.ifPresentOrElse(e -> i.ifSeqNo(e.seqNo()).ifPrimaryTerm(e.primaryTerm()),
                            () -> i.opType(co.elastic.clients.elasticsearch._types.OpType.Create));
                    return i;
                });
                return updated;
            } catch (ElasticsearchException e) {
                if (e.status() == 409 && attempt < 5) {
                    continue;
                }
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private record Loaded(Conversation conversation, long seqNo, long primaryTerm) {
    }

    private Optional<Loaded> load(String id) {
        ensureIndex();
        try {
            GetResponse<tools.jackson.databind.JsonNode> response =
                    client.get(g -> g.index(index).id(id), tools.jackson.databind.JsonNode.class);
            if (!response.found()) {
                return Optional.empty();
            }
            Conversation conversation = JSON.treeToValue(response.source(), Conversation.class);
            return Optional.of(new Loaded(conversation, response.seqNo(), response.primaryTerm()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ensureIndex() {
        if (indexReady) {
            return;
        }
        try {
            if (!client.indices().exists(e -> e.index(index)).value()) {
                try {
                    client.indices().create(c -> c.index(index)
                            .settings(s -> s.numberOfShards("1").numberOfReplicas("0"))
                            .mappings(m -> m
                                    .properties("id", p -> p.keyword(k -> k))
                                    .properties("createdAt", p -> p.date(d -> d))
                                    .properties("updatedAt", p -> p.date(d -> d))
                                    .properties("articles", p -> p.object(o -> o.enabled(false)))
                                    .properties("turns", p -> p.object(o -> o.enabled(false)))));
                } catch (ElasticsearchException e) {
                    if (!"resource_already_exists_exception".equals(e.error().type())) {
                        throw e;
                    }
                }
            }
            indexReady = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
