package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReadersTest {

    @Test
    void malformedRecordsAreCountedWithTheirPositionAndTheReadGoesOn(@TempDir Path dir) throws Exception {
        Path jsonl = dir.resolve("t.jsonl");
        Files.writeString(jsonl, "{\"text\": \"一\"}\nnot json\n{\"title\": \"no text\"}\n\n{\"text\": \"二\"}\n");
        DatasetReaders.Read r = DatasetReaders.read("jsonl-text", jsonl, 0);
        assertThat(r.examples()).containsExactly(new Example.Text("一"), new Example.Text("二"));
        assertThat(r.problems()).hasSize(2);
        assertThat(r.problems().get(0)).startsWith("t.jsonl:2: not JSON");
        assertThat(r.problems().get(1)).startsWith("t.jsonl:3: no \"text\"");

        Path alpaca = dir.resolve("a.json");
        Files.writeString(alpaca, """
                [{"instruction": "问", "input": "补充", "output": "答"},
                 {"instruction": "缺答案"},
                 {"instruction": "多轮", "output": "答二", "history": [["问一", "答一"]]},
                 {"instruction": "坏历史", "output": "x", "history": [["只有问题"]]}]""");
        r = DatasetReaders.read("alpaca", alpaca, 0);
        assertThat(r.examples()).hasSize(2);
        assertThat(((Example.Dialogue) r.examples().get(0)).turns().get(0).human()).isEqualTo("问\n补充");
        assertThat(((Example.Dialogue) r.examples().get(1)).turns()).hasSize(2);
        assertThat(r.problems()).containsExactly("a.json#1: missing or empty \"output\"",
                "a.json#3: \"history\" entries must be [question, answer] string pairs");

        Path share = dir.resolve("s.json");
        Files.writeString(share, """
                [{"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"},
                                    {"from": "human", "value": "q2"}, {"from": "gpt", "value": "a2"}]},
                 {"conversations": [{"from": "gpt", "value": "no question"}]}]""");
        r = DatasetReaders.read("sharegpt", share, 0);
        assertThat(((Example.Dialogue) r.examples().get(0)).turns()).containsExactly(
                new Example.Turn("q1", "a1"), new Example.Turn("q2", "a2"));
        assertThat(r.problems()).containsExactly("s.json#1: an assistant message without a question before it");
    }

    @Test
    void theLawyerLlamaFilesReadWithoutLoss() {
        DatasetReaders.Read multi = DatasetReaders.read("lawyer-llama-multi-turn",
                SharedData.path("lawyer-llama/legal_counsel_multi_turn_with_article_v2.json"), 0);
        assertThat(multi.examples()).hasSize(476);
        assertThat(multi.problems()).isEmpty();
        Example.Dialogue first = (Example.Dialogue) multi.examples().get(0);
        assertThat(first.articles()).hasSize(3).allSatisfy(a -> assertThat(a).startsWith("《"));
        assertThat(first.turns().get(0).human()).isEqualTo("如果夫妻一方因为赌博而离婚，可否让其净身出户");
        assertThat(first.turns().get(0).assistant()).startsWith("根据您提供的情况");

        assertThat(DatasetReaders.read("alpaca", SharedData.path("lawyer-llama/judical_examination.json"), 0).examples()).hasSize(2000);
        assertThat(DatasetReaders.read("input-output", SharedData.path("lawyer-llama/fakao_gpt4.json"), 0).examples()).hasSize(1000);
        DatasetReaders.Read rag = DatasetReaders.read("lawyer-llama-rag", SharedData.path("lawyer-llama/zixun_gpt4.json"), 0);
        assertThat(rag.examples()).hasSize(1000);
        assertThat(rag.problems()).isEmpty();
    }

    @Test
    void theValidationSplitIsDeterministicAndRoughlyTheAskedShare() {
        long held = IntStream.range(0, 10_000).filter(i -> DatasetReaders.isValidation(i, 0.1)).count();
        assertThat(held).isBetween(900L, 1100L);
        assertThat(IntStream.range(0, 100).filter(i -> DatasetReaders.isValidation(i, 0.1)).boxed().toList())
                .isEqualTo(IntStream.range(0, 100).filter(i -> DatasetReaders.isValidation(i, 0.1)).boxed().toList());
    }
}
