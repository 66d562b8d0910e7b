package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.SharedData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** In SFT only the answer tokens (every assistant turn, and the final EOS) carry loss. */
class SftLossMaskTest {
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        System.setProperty("ai.djl.offline", "true");
        tokenizer = Tokenizers.load(SharedData.path("tokenizers/chinese-llama-2"));
    }

    @Test
    void targetTokensAreExactlyTheAnswersAndEos() {
        Example.Dialogue d = new Example.Dialogue(List.of(
                new Example.Turn("离婚时财产怎么分？", "由双方协议处理。"),
                new Example.Turn("协议不成呢？", "由人民法院判决。")),
                List.of("《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理；协议不成的，由人民法院根据财产的具体情况判决。"));
        SftEncoder.Encoded e = new SftEncoder(tokenizer).encode(d);

        List<List<Integer>> spans = new ArrayList<>();
        List<Integer> current = null;
        for (int i = 0; i < e.ids().length; i++) {
            if (e.target()[i]) {
                if (current == null) {
                    current = new ArrayList<>();
                    spans.add(current);
                }
                current.add(e.ids()[i]);
            } else {
                current = null;
            }
        }
        assertThat(spans).hasSize(2);
        assertThat(tokenizer.decode(toArray(spans.get(0))).strip()).isEqualTo("由双方协议处理。");
        List<Integer> last = spans.get(1);
        assertThat(last.get(last.size() - 1)).isEqualTo(tokenizer.eosId());
        assertThat(tokenizer.decode(toArray(last.subList(0, last.size() - 1))).strip()).isEqualTo("由人民法院判决。");

        // The context (system line, questions, articles) is the served prompt, with no loss on it.
        String context = tokenizer.decode(Arrays.copyOfRange(e.ids(), 0, firstTarget(e)));
        assertThat(context).startsWith(PromptFormat.SYSTEM_PROMPT).endsWith("### Assistant:");
        String full = tokenizer.decode(e.ids());
        assertThat(full).contains("### Human: 协议不成呢？\n### 参考法条:\n《民法典》第一千零八十七条：离婚时");
        assertThat(full).contains("### Assistant: 由双方协议处理。\n### Human: 协议不成呢？");
    }

    @Test
    void maskedPositionsGetNoLossAndNoGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            int b = 2;
            int t = 5;
            int v = 7;
            NDArray logits = m.randomNormal(new Shape(b, t, v));
            logits.setRequiresGradient(true);
            long[] targets = {1, 2, 3, 4, 5, 6, 0, 1, 2, 3};
            float[] mask = {0, 0, 1, 1, 0, 0, 1, 0, 0, 1};
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                loss = Trainer.maskedCrossEntropy(logits, m.create(targets, new Shape(b, t)), m.create(mask, new Shape(b, t)));
                gc.backward(loss);
            }
            float[] grad = logits.getGradient().toFloatArray();
            float[] lg = logits.toFloatArray();
            double expected = 0;
            for (int pos = 0; pos < b * t; pos++) {
                double rowNorm = 0;
                for (int k = 0; k < v; k++) {
                    rowNorm = Math.max(rowNorm, Math.abs(grad[pos * v + k]));
                }
                if (mask[pos] == 0) {
                    assertThat(rowNorm).as("gradient at masked position %d", pos).isEqualTo(0.0);
                } else {
                    assertThat(rowNorm).as("gradient at target position %d", pos).isGreaterThan(0.0);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        max = Math.max(max, lg[pos * v + k]);
                    }
                    double sum = 0;
                    for (int k = 0; k < v; k++) {
                        sum += Math.exp(lg[pos * v + k] - max);
                    }
                    expected += -(lg[pos * v + (int) targets[pos]] - max - Math.log(sum));
                }
            }
            assertThat((double) loss.getFloat()).isCloseTo(expected / 4, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void sftBatchesPutLossOnlyOnAnswerTokens() throws Exception {
        TrainingPlan plan = TrainingPlan.builtIn("tiny");
        int s12 = 4;
        StageData data = new StageData(plan, s12, SharedData.dir(), tokenizer, new RandomStatuteDistractors(SharedData.path("laws")));
        try (NDManager m = NDManager.newBaseManager()) {
            StageData.Batch batch = data.trainBatch(0, 0, m);
            long[] inputs = batch.inputs().toLongArray();
            long[] targets = batch.targets().toLongArray();
            float[] mask = batch.mask().toFloatArray();
            int seq = plan.stages().get(s12).seqLen();
            for (int row = 0; row < plan.stages().get(s12).batchSize(); row++) {
                StringBuilder withLoss = new StringBuilder();
                int masked = 0;
                for (int i = 0; i < seq; i++) {
                    if (i + 1 < seq && mask[row * seq + i] == 1f) {
                        assertThat(targets[row * seq + i]).as("targets are the next inputs").isEqualTo(inputs[row * seq + i + 1]);
                    }
                    if (mask[row * seq + i] == 1f) {
                        withLoss.append((char) 0);
                    } else {
                        masked++;
                    }
                }
                assertThat(masked).as("row %d has unmasked context", row).isGreaterThan(0);
                assertThat(withLoss.length()).as("row %d has answer tokens", row).isGreaterThan(0);
                // Every target with loss lies after the first "### Assistant:" of the row.
                int firstLoss = 0;
                while (mask[row * seq + firstLoss] == 0f) {
                    firstLoss++;
                }
                String before = tokenizer.decode(Arrays.stream(Arrays.copyOfRange(inputs, row * seq, row * seq + firstLoss + 1))
                        .mapToInt(x -> (int) x).toArray());
                assertThat(before).endsWith("### Assistant:");
            }
        }
    }

    private static int firstTarget(SftEncoder.Encoded e) {
        int i = 0;
        while (!e.target()[i]) {
            i++;
        }
        return i;
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
