package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DistractorArticlesTest {

    @Test
    void randomStatuteDistractorsAreCurrentArticlesOtherThanTheRelevantOnesAndReproducible() {
        RandomStatuteDistractors d = new RandomStatuteDistractors(SharedData.path("laws"));
        List<String> relevant = List.of("《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理。");
        List<String> first = d.distractors("离婚财产", relevant, 2, new Random(7));
        assertThat(first).hasSize(2).doesNotHaveDuplicates().doesNotContainAnyElementsOf(relevant)
                .allSatisfy(a -> assertThat(a).matches("《[^》]+》第[零〇一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?：.+"));
        assertThat(d.distractors("离婚财产", relevant, 2, new Random(7))).isEqualTo(first);
    }

    @Test
    void retrievalSftPromptsGetIrrelevantArticlesMixedInAtTheConfiguredShare() {
        com.lawyerllama.llama.tokenizer.Tokenizer tok = com.lawyerllama.llama.tokenizer.Tokenizers.load(SharedData.path("tokenizers/chinese-llama-2"));
        DistractorArticles marked = (question, relevant, count, random) ->
                java.util.stream.IntStream.range(0, count).mapToObj(i -> "《测试法》第一条：无关条文" + i + "。").toList();
        for (double share : new double[] {0.0, 1.0}) {
            tools.jackson.databind.node.ObjectNode plan = (tools.jackson.databind.node.ObjectNode)
                    TrainingPlan.JSON.readTree(TrainingPlan.builtIn("tiny").toJson());
            tools.jackson.databind.node.ObjectNode s12 = (tools.jackson.databind.node.ObjectNode) plan.get("stages").get(4);
            s12.put("distractorShare", share);
            s12.put("seqLen", 2048);
            StageData data = new StageData(TrainingPlan.fromJson(plan), 4, SharedData.dir(), tok, marked);
            int withDistractors = 0;
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                StageData.Batch batch = data.trainBatch(0, 0, m);
                long[] ids = batch.inputs().toLongArray();
                for (int row = 0; row < 8; row++) {
                    String text = tok.decode(java.util.Arrays.stream(ids, row * 2048, (row + 1) * 2048).mapToInt(x -> (int) x).toArray());
                    String block = text.substring(text.indexOf("### 参考法条:"), text.indexOf("### Assistant:"));
                    long articles = block.lines().filter(l -> l.startsWith("《")).count();
                    long distractors = block.lines().filter(l -> l.startsWith("《测试法》")).count();
                    assertThat(articles - distractors).as("the example's own articles stay").isEqualTo(3);
                    if (distractors > 0) {
                        withDistractors++;
                        assertThat(distractors).isBetween(1L, 2L);
                    }
                }
            }
            assertThat(withDistractors).as("rows with distractors at share %s", share).isEqualTo(share == 0 ? 0 : 8);
        }
    }
}
