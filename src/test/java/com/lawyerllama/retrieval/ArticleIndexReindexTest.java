package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versioned indices behind an alias on the real node: a reindex swaps in whole, the old index goes. */
class ArticleIndexReindexTest {
    private RestClient rest;
    private ArticleIndex index;
    private CorpusImporter importer;

    @BeforeEach
    void setUp() {
        java.net.URI uri = java.net.URI.create(TestElasticsearch.uri());
        rest = RestClient.builder(new HttpHost(uri.getHost(), uri.getPort(), "http")).build();
        ElasticsearchClient client = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
        RetrievalProperties properties = new RetrievalProperties("reindex-test-" + System.nanoTime(), "cjk_bigram",
                3, 20, 0.25, 5.0, 2000, 2, true, false, 8.0f, 50, "", 200, 0,
                java.util.List.of("text^1.0", "path^0.4", "lawTitle^0.3"), RetrievalProperties.Mode.BM25,
                new RetrievalProperties.Dense("", 0.5, 200, 256, null, RetrievalProperties.VectorIndex.AUTO), new RetrievalProperties.Fusion(1, 1, 60),
                new RetrievalProperties.CitationSpread(1.0, 20), null, 0.0, 0);
        index = new ArticleIndex(client, properties);
        importer = new CorpusImporter(index, properties);
    }

    @AfterEach
    void tearDown() throws Exception {
        index.currentIndex().ifPresent(index::deleteIndex);
        rest.close();
    }

    @Test
    void reindexSwapsTheAliasToAFreshIndexAndDropsTheOldOne(@TempDir Path corpus) throws Exception {
        Path dir = Files.createDirectories(corpus.resolve("民法商法"));
        Files.writeString(dir.resolve("测试法(2020-01-01).md"), """
                # 中华人民共和国测试法

                2020年1月1日 第十三届全国人民代表大会常务委员会通过

                <!-- INFO END -->

                ## 第一章 总则

                第一条 为了测试索引，制定本法。

                第二条 定金合同自实际交付定金时成立。

                第三条 本法自公布之日起施行。
                """, StandardCharsets.UTF_8);
        ImportReport first = importer.importCorpus(corpus, false, CorpusImporter.Listener.NONE);
        assertThat(first.created()).isEqualTo(3);
        String before = index.currentIndex().orElseThrow();
        assertThat(index.count()).isEqualTo(3);

        ImportReport again = importer.importCorpus(corpus, false, CorpusImporter.Listener.NONE);
        assertThat(again.unchanged()).isEqualTo(3);
        assertThat(index.currentIndex()).hasValue(before);

        Thread.sleep(5); // versioned names carry a millisecond timestamp
        ImportReport reindexed = importer.importCorpus(corpus, true, CorpusImporter.Listener.NONE);
        assertThat(reindexed.created()).isEqualTo(3);
        String after = index.currentIndex().orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(index.count()).isEqualTo(3);
        assertThat(index.get("测试法:2020-01-01:2")).hasValueSatisfying(a -> assertThat(a.text()).contains("定金合同"));
    }

    @Test
    void anImportLeavesTheIndexMergedIntoOneSegment(@TempDir Path corpus) throws Exception {
        Path dir = Files.createDirectories(corpus.resolve("民法商法"));
        Path law = dir.resolve("测试法(2020-01-01).md");
        String text = """
                # 中华人民共和国测试法

                <!-- INFO END -->

                第一条 为了测试索引，制定本法。

                第二条 定金合同自实际交付定金时成立。
                """;
        Files.writeString(law, text, StandardCharsets.UTF_8);
        importer.importCorpus(corpus, false, CorpusImporter.Listener.NONE);
        // The second import updates one article: without a merge the update would sit in a segment of its own.
        Files.writeString(law, text.replace("制定本法", "特制定本法"), StandardCharsets.UTF_8);
        assertThat(importer.importCorpus(corpus, false, CorpusImporter.Listener.NONE).updated()).isEqualTo(1);
        String name = index.currentIndex().orElseThrow();
        long deadline = System.nanoTime() + 60_000_000_000L;
        int segments;
        do {
            Thread.sleep(200);
            segments = segments(name);
        } while (segments != 1 && System.nanoTime() < deadline);
        assertThat(segments).as("segments of %s after the import's merge", name).isEqualTo(1);
    }

    private int segments(String name) throws Exception {
        var response = rest.performRequest(new org.elasticsearch.client.Request("GET", "/" + name + "/_segments"));
        var tree = tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.getEntity().getContent());
        return tree.path("indices").path(name).path("shards").path("0").path(0).path("segments").size();
    }
}
