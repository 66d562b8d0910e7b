package com.lawyerllama.training.retriever;

import com.lawyerllama.retrieval.dense.BertEncoder;
import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.NgramVocabulary;
import com.lawyerllama.retrieval.dense.RetrieverData;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.training.AdamW;
import com.lawyerllama.training.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Distillation on real questions and statute sentences with the real BGE encoder as the teacher:
 * the loss falls, and on questions it never saw the student's vectors come close to BGE's, much
 * closer than before training.
 */
class QueryDistillerTest {

    @Test
    void theStudentLearnsToGiveHeldOutQuestionsTheTeachersVectors(@TempDir Path tmp) throws IOException {
        Trainer.noGradientRecording();
        JsonNode zixun = JsonMapper.builder().build().readTree(Files.readString(SharedData.path("lawyer-llama/zixun_gpt4.json")));
        List<String> questions = new ArrayList<>();
        zixun.forEach(n -> questions.add(n.path("query").asString()));
        List<String> train = questions.subList(0, 400);
        List<String> heldOut = questions.subList(900, 960);
        Path book = Files.createDirectories(tmp.resolve("laws").resolve("民法典"));
        Files.copy(SharedData.path("laws/民法典/婚姻家庭编.md"), book.resolve("婚姻家庭编.md"));
        Files.copy(SharedData.path("laws/民法典/继承编.md"), book.resolve("继承编.md"));
        List<Article> corpus = LawRefBookReader.read(tmp.resolve("laws")).uniqueArticles();

        List<String> texts = QueryDistiller.trainingTexts(train, corpus, 0.2, 3);
        assertThat(texts).hasSize(500).startsWith(train.toArray(String[]::new));
        assertThat(texts.subList(400, 500)).allSatisfy(s -> assertThat(s.length()).isGreaterThanOrEqualTo(8));
        List<String> vocabularyTexts = new ArrayList<>(texts);
        corpus.forEach(a -> vocabularyTexts.add(DenseEncoder.articleText(a, DenseEncoder.MAX_ARTICLE_CHARS)));

        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             DenseEncoder model = DenseEncoder.random(NgramVocabulary.build(vocabularyTexts, 1, 50_000), 16, 3, manager)) {
            BertEncoder teacher = BertEncoder.bundled("bge-small-zh-v1.5", manager);
            model.attachPretrained("bge-small-zh-v1.5", teacher, 0.5);
            int[] encoded = {0};
            RetrieverData none = RetrieverData.load(corpus, Map.of(), (q, e, k) -> List.of(), 0);
            QueryDistiller distiller = new QueryDistiller(model, texts, none,
                    new QueryDistiller.Settings(64, 32, 0.0, 0, 11), tmp.resolve("teacher.bin"), done -> encoded[0] = done);
            assertThat(encoded[0]).isEqualTo(500);
            assertThat(distiller.teacherVectorsReused()).isFalse();
            assertThat(tmp.resolve("teacher.bin")).isRegularFile();
            assertThat(model.queryStudent()).isPresent();
            assertThat(distiller.parameters()).containsOnlyKeys("student_embeddings", "student_salience", "student_projection");

            float[][] target = teacher.encode(heldOut, DenseEncoder.Side.QUERY);
            double before = meanCosine(model, heldOut, target);
            List<Double> losses = new ArrayList<>();
            try (AdamW optimizer = new AdamW(model.manager())) {
                for (int step = 0; step < 150; step++) {
                    losses.add(distiller.step(step, optimizer, 0.01, 0, 0).loss());
                }
            }
            double after = meanCosine(model, heldOut, target);
            double first = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(140, 150).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertThat(last).as("training loss, first 10 steps %.3f", first).isLessThan(first * 0.5);
            assertThat(after).as("held-out cosine to the teacher, %.3f before training", before)
                    .isGreaterThan(before + 0.3).isGreaterThan(0.75);
        }
    }

    /**
     * The teacher's vectors are kept for a resumed run, and read back only for the very texts and
     * encoder they were made from: other texts, or a damaged file, mean computing them again.
     */
    @Test
    void theTeachersVectorsAreReusedOnlyForTheSameTextsAndEncoder(@TempDir Path tmp) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            BertEncoder teacher = BertEncoder.bundled("bge-small-zh-v1.5", manager);
            List<String> texts = List.of("离婚后孩子归谁抚养？", "邻居家的狗咬伤了我，谁来赔偿？", "借钱不还怎么办");
            float[][] vectors = teacher.encode(texts, DenseEncoder.Side.QUERY);
            Path file = tmp.resolve("teacher.bin");
            byte[] key = QueryDistiller.cacheKey(teacher, texts);
            QueryDistiller.writeCache(file, key, vectors);
            assertThat(file).hasSize(48 + 3 * 512 * 4L);
            assertThat(QueryDistiller.readCache(file, key, 3, 512)).isDeepEqualTo(vectors);

            List<String> edited = List.of(texts.get(0), texts.get(1), "借钱不还怎么办？");
            assertThat(QueryDistiller.cacheKey(teacher, edited)).isNotEqualTo(key);
            assertThat(QueryDistiller.readCache(file, QueryDistiller.cacheKey(teacher, edited), 3, 512)).isNull();
            assertThat(QueryDistiller.readCache(file, QueryDistiller.cacheKey(teacher, texts.subList(0, 2)), 2, 512)).isNull();

            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
            assertThat(QueryDistiller.readCache(file, key, 3, 512)).as("truncated").isNull();
            assertThat(QueryDistiller.readCache(tmp.resolve("absent.bin"), key, 3, 512)).isNull();
        }
    }

    /** Mean cosine between the student's vectors (the model's question side) and the teacher's. */
    private static double meanCosine(DenseEncoder model, List<String> questions, float[][] teacher) {
        int[][] ids = new int[questions.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = model.ids(questions.get(i), DenseEncoder.Side.QUERY);
        }
        float[][] student = model.queryStudent().orElseThrow().encode(ids);
        double sum = 0;
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < student[i].length; j++) {
                sum += student[i][j] * teacher[i][j];
            }
        }
        return sum / ids.length;
    }
}
