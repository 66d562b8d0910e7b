package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.retrieval.ArticleIndex;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.ImportReport;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.retrieval.ScoredArticle;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestElasticsearch;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dense vectors in the real Elasticsearch, computed by a real DJL encoder: a random model whose
 * vocabulary comes from the test corpus (three books of the Civil Code, 219 articles). With its
 * identity projections an article's text encodes almost the same as a question and as an article,
 * which is all these plumbing tests need.
 */
class ArticleVectorsTest {
    private static final List<String> BOOKS = List.of("婚姻家庭编.md", "继承编.md", "侵权责任编.md");
    private static NDManager manager;

    private RestClient rest;
    private ElasticsearchClient client;
    private ArticleIndex index;
    private CorpusImporter importer;
    private ArticleEmbedder embedder;
    private DenseEncoder encoder;
    private Path corpus;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void closeEngine() {
        manager.close();
    }

    @BeforeEach
    void setUp(@TempDir Path dir) throws Exception {
        URI uri = URI.create(TestElasticsearch.uri());
        rest = RestClient.builder(new HttpHost(uri.getHost(), uri.getPort(), "http")).build();
        client = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
        RetrievalProperties properties = new RetrievalProperties("vectors-test-" + System.nanoTime(), "cjk_bigram",
                3, 20, 0.25, 5.0, 2000, 500, true, false, 8.0f, 50, "", 200, 0,
                List.of("text^1.0", "path^0.4", "lawTitle^0.3"), RetrievalProperties.Mode.FUSED,
                new RetrievalProperties.Dense("", 0.5, 100, 50, null, RetrievalProperties.VectorIndex.AUTO), new RetrievalProperties.Fusion(1, 1, 60),
                new RetrievalProperties.CitationSpread(1.0, 20), null, 0.0, 0);
        index = new ArticleIndex(client, properties);
        importer = new CorpusImporter(index, properties);
        embedder = new ArticleEmbedder(index, properties);
        corpus = Files.createDirectories(dir.resolve("民法典"));
        for (String book : BOOKS) {
            Files.copy(SharedData.path("laws/民法典").resolve(book), corpus.resolve(book));
        }
        importer.importCorpus(dir, false, CorpusImporter.Listener.NONE);
        List<Article> articles = LawRefBookReader.read(dir).uniqueArticles();
        encoder = DenseEncoder.random(NgramVocabulary.build(articles.stream().map(a -> a.law() + " "
                + String.join(" ", a.path()) + " " + a.text()).toList(), 1, 100_000), 32, 11, manager);
    }

    @AfterEach
    void tearDown() throws Exception {
        encoder.close();
        index.currentIndex().ifPresent(index::deleteIndex);
        rest.close();
    }

    private EmbedReport embed() {
        return embedder.embed(encoder, soFar -> { });
    }

    @Test
    void aPassGivesEveryArticleTheModelsVectorAndASecondPassHasNothingToDo() {
        long articles = index.count();
        assertThat(articles).isEqualTo(219);
        EmbedReport first = embed();
        assertThat(first.articles()).isEqualTo(articles);
        assertThat(first.embedded() + first.withoutUnits()).isEqualTo(articles);
        assertThat(first.conflicts() + first.failed()).isZero();
        assertThat(first.articlesPerSecond()).isPositive();
        assertThat(index.countVectors(encoder.id())).isEqualTo(articles);

        EmbedReport second = embed();
        assertThat(second.articles()).isZero();
        assertThat(second.processed()).isZero();
        assertThat(index.countVectors(encoder.id())).isEqualTo(articles);

        // the pass rewrote every document; the command-line tools wait until the index is one segment again
        assertThat(index.compactAndWait(first.index(), java.time.Duration.ofSeconds(60))).isTrue();
        assertThat(index.countVectors(encoder.id())).isEqualTo(articles);
    }

    @Test
    void anInterruptedPassIsFinishedByRunningItAgain() {
        RuntimeException crash = new RuntimeException("the node went away");
        ArticleEmbedder.EmbeddingInterruptedException stopped = catchThrowableOfType(
                ArticleEmbedder.EmbeddingInterruptedException.class, () -> embedder.embed(encoder, soFar -> {
                    if (soFar.processed() >= 50) {
                        throw crash;
                    }
                }));
        long written = stopped.report().processed();
        assertThat(written).isBetween(50L, 100L);   // the batch being written when it stopped lands too
        assertThat(stopped).hasMessageContaining("after " + written + " of 219").hasMessageContaining("run it again");
        index.refresh();
        assertThat(index.countVectors(encoder.id())).isEqualTo(written);

        EmbedReport rest = embed();
        assertThat(rest.articles()).isEqualTo(219 - written);
        assertThat(rest.processed()).isEqualTo(219 - written);
        assertThat(index.countVectors(encoder.id())).isEqualTo(219);
    }

    @Test
    void theNearestVectorToAnArticlesOwnTextIsThatArticle() {
        embed();
        for (String id : List.of("民法典:2020-05-28:1123", "民法典:2020-05-28:1079", "民法典:2020-05-28:1198")) {
            Article article = index.get(id).orElseThrow();
            float[] question = encoder.encodeQuery(article.text());
            List<ScoredArticle> nearest = index.nearest(question, encoder.id(), 3, 50);
            assertThat(nearest).as(id).isNotEmpty();
            assertThat(nearest.get(0).article().id()).as(id).isEqualTo(id);
            assertThat(nearest.get(0).score()).as("cosine similarity").isBetween(0.8, 1.0001);
            assertThat(nearest.get(0).score()).isGreaterThan(nearest.get(1).score());
        }
    }

    /**
     * The model as the {@code retriever-bge} plan makes it, with the bundled BGE encoder beside the
     * n-gram one (here a random one, so the question weighs BGE 0.8): 544-dimensional vectors in the
     * real index, and kNN searches that find articles from lay questions in other words.
     */
    @Test
    void aModelCarryingThePretrainedEncoderEmbedsTheIndexAndFindsArticlesByMeaning() throws Exception {
        encoder.attachPretrained("bge-small-zh-v1.5", BertEncoder.bundled("bge-small-zh-v1.5", encoder.manager()), 0.5);
        EmbedReport pass = embed();
        assertThat(pass.embedded()).isEqualTo(219);
        assertThat(index.vectorField(index.currentIndex().orElseThrow()))
                .as("from 384 dimensions the field is searched over 1-bit codes, the best candidates again on the floats")
                .hasValue(new ArticleIndex.VectorField(32 + 512, "bbq_flat"));
        assertThat(index.countVectors(encoder.id())).isEqualTo(219);
        List<ScoredArticle> damages = index.nearest(encoder.encodeQuery("丈夫家暴导致离婚，我可以要求损害赔偿吗？", 0.8),
                encoder.id(), 3, 50);
        assertThat(damages).extracting(s -> s.article().id()).contains("民法典:2020-05-28:1091");
        List<ScoredArticle> dog = index.nearest(encoder.encodeQuery("邻居家的狗把我咬伤了，谁来赔？", 0.8), encoder.id(), 3, 50);
        assertThat(dog).extracting(s -> s.article().number()).as("the chapter on harm done by animals")
                .allSatisfy(n -> assertThat(n).isBetween(1245, 1251));
    }

    @Test
    void vectorsOfAnotherModelAreNeverSearched() {
        embed();
        Article article = index.get("民法典:2020-05-28:1123").orElseThrow();
        assertThat(index.nearest(encoder.encodeQuery(article.text()), "another-model", 3, 50)).isEmpty();
    }

    @Test
    void anImportThatChangesAnArticleDropsItsVectorAndUnchangedArticlesKeepTheirs() throws Exception {
        embed();
        Path book = corpus.resolve("继承编.md");
        Files.writeString(book, Files.readString(book, StandardCharsets.UTF_8)
                .replace("第一千一百二十条 国家保护自然人的继承权。", "第一千一百二十条 国家依法保护自然人的继承权。"),
                StandardCharsets.UTF_8);
        ImportReport again = importer.importCorpus(corpus.getParent(), false, CorpusImporter.Listener.NONE);
        assertThat(again.updated()).isEqualTo(1);
        assertThat(again.unchanged()).isEqualTo(218);
        assertThat(index.countVectors(encoder.id())).isEqualTo(218);
        assertThat(vectorModelOf("民法典:2020-05-28:1120")).isNull();
        assertThat(vectorModelOf("民法典:2020-05-28:1121")).isEqualTo(encoder.id());

        EmbedReport pass = embed();
        assertThat(pass.articles()).isEqualTo(1);
        assertThat(index.countVectors(encoder.id())).isEqualTo(219);
    }

    @Test
    void aChangedArticleIsUpdatedInAnIndexThatHasNoVectorsYet() throws Exception {
        Path book = corpus.resolve("继承编.md");
        Files.writeString(book, Files.readString(book, StandardCharsets.UTF_8)
                .replace("第一千一百二十条 国家保护自然人的继承权。", "第一千一百二十条 国家依法保护自然人的继承权。"),
                StandardCharsets.UTF_8);
        ImportReport again = importer.importCorpus(corpus.getParent(), false, CorpusImporter.Listener.NONE);
        assertThat(again.failures()).isEmpty();
        assertThat(again.updated()).isEqualTo(1);
        assertThat(index.get("民法典:2020-05-28:1120")).hasValueSatisfying(a -> assertThat(a.text()).contains("依法保护"));
    }

    @Test
    void aModelOfOtherDimensionsNeedsAFreshIndex() {
        embed();
        String current = index.currentIndex().orElseThrow();
        assertThat(index.vectorDims(current)).hasValue(32);
        assertThat(index.vectorField(current)).hasValue(new ArticleIndex.VectorField(32, "flat"));
        assertThatThrownBy(() -> index.ensureVectorField(current, 64))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds 32-dimensional vectors")
                .hasMessageContaining("makes 64")
                .hasMessageContaining("--reindex");
    }

    private Object vectorModelOf(String id) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> source = client.get(g -> g.index(index.alias()).id(id), Map.class).source();
        return source.get(ArticleIndex.VECTOR_MODEL);
    }
}
