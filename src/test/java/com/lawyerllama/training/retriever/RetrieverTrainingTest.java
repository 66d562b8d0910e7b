package com.lawyerllama.training.retriever;

import com.lawyerllama.retrieval.dense.DenseEncoder;
import com.lawyerllama.retrieval.dense.NgramVocabulary;
import com.lawyerllama.retrieval.dense.RetrieverData;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.training.AdamW;
import com.lawyerllama.training.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dense retriever's training loop on real data: the Civil Code as the search space and Lawyer
 * LLaMA's labelled consultations (training part only). The loss falls, and the trained encoder
 * ranks a question's gold article above random articles far more often than the untrained one.
 */
class RetrieverTrainingTest {
    static List<Article> civilCode;
    static RetrieverData data;

    @BeforeAll
    static void load() {
        Path root = SharedData.dir();
        civilCode = LawRefBookReader.read(root.resolve("laws")).uniqueArticles().stream()
                .filter(a -> a.current() && a.law().equals("民法典")).toList();
        data = RetrieverData.load(civilCode, Map.of("zixun", root.resolve("lawyer-llama/zixun_gpt4.json")),
                RetrieverData.NearMisses.NONE, 0);
        Trainer.noGradientRecording();
    }

    @Test
    void lossFallsAndTheTrainedEncoderRanksTheGoldArticleAboveRandomOnes(@TempDir Path dir) throws Exception {
        assertThat(civilCode).hasSizeGreaterThan(1000);
        assertThat(data.fit()).hasSizeGreaterThan(500);
        assertThat(data.validation()).isNotEmpty();
        List<String> texts = new ArrayList<>();
        civilCode.forEach(a -> texts.add(DenseEncoder.articleText(a, DenseEncoder.MAX_ARTICLE_CHARS)));
        data.fit().forEach(p -> texts.add(p.query()));
        try (NDManager root = NDManager.newBaseManager();
             DenseEncoder encoder = DenseEncoder.random(NgramVocabulary.build(texts, 2, 30_000), 64, 7, root)) {
            double before = pairwiseAccuracy(encoder);
            RetrieverTrainer trainer = new RetrieverTrainer(encoder, data, new RetrieverTrainer.Settings(32, 0.25, 0, 16, 0.1, 0.05, 7));
            List<Double> losses = new ArrayList<>();
            try (AdamW optimizer = new AdamW(encoder.manager())) {
                for (int step = 0; step < 80; step++) {
                    losses.add(trainer.step(step, optimizer, 0.005, 0, 5).loss());
                }
            }
            double first = losses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(70, 80).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertThat(last).as("loss %s", losses).isLessThan(first * 0.6);

            double after = pairwiseAccuracy(encoder);
            assertThat(after).as("before %.3f", before).isGreaterThan(0.85).isGreaterThan(before + 0.15);

            // Saved and loaded (half precision), it scores the same.
            encoder.save(dir.resolve("model"), SafetensorsReader.DType.F16);
            try (DenseEncoder loaded = DenseEncoder.load(dir.resolve("model"), root)) {
                assertThat(loaded.id()).isEqualTo(encoder.id()).hasSize(16);
                float[] a = encoder.encodeQuery("离婚后孩子抚养费怎么算");
                float[] b = loaded.encodeQuery("离婚后孩子抚养费怎么算");
                for (int i = 0; i < a.length; i++) {
                    assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(2e-3f));
                }
            }
        }
    }

    /** Share of (validation question, random article) draws where the question's gold article scores higher. */
    static double pairwiseAccuracy(DenseEncoder encoder) {
        Random random = new Random(11);
        int wins = 0;
        int total = 0;
        for (RetrieverData.Pair p : data.validation()) {
            float[] q = encoder.encodeQuery(p.query());
            float[][] gold = encoder.encodeArticles(List.of(p.gold().get(0)));
            List<Article> others = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                others.add(civilCode.get(random.nextInt(civilCode.size())));
            }
            float[][] rivals = encoder.encodeArticles(others);
            for (int i = 0; i < rivals.length; i++) {
                Article rival = others.get(i);
                if (p.gold().stream().anyMatch(g -> RetrieverData.sameArticle(g, rival))) {
                    continue;
                }
                wins += dot(q, gold[0]) > dot(q, rivals[i]) ? 1 : 0;
                total++;
            }
        }
        return (double) wins / total;
    }

    static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
