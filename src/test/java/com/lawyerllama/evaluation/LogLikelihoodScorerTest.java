package com.lawyerllama.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.TestModels;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The scorer's log-likelihood (context once into a KV cache, the options' prefixes as one tree
 * over a copy of it) equals the sum of per-token log-softmax of {@link LlamaModel#logits} over the
 * whole sequence, computed separately, one option at a time.
 */
class LogLikelihoodScorerTest {

    // Options that share prefixes (一年后 / 一年后归还 / 一年内), one inside another: each prefix is one token of the
    // tree and its log-softmax is computed once; the sums must not change.
    private static final String CONTEXT = "阅读文章：甲向乙借款十万元，约定一年后归还。\n问题：乙可以在什么时候要求还款？\n答案：";
    private static final List<String> OPTIONS = List.of("一年后", "随时", "借款合同约定的期限届满之后，经催告仍不归还时", "B",
            "一年后归还", "一年内", "借款合同约定的期限届满之后");

    @Test
    void logLikelihoodIsTheSumOfPerTokenLogSoftmaxOfTheModelsLogits() throws Exception {
        List<LogLikelihoodScorer.ScoredOption> scored = scoreAndCheck(TestModels.tinyChinese());
        assertTrue(scored.get(2).continuation().length > 5, "a long option spans several tokens");
        assertTrue(scored.get(6).continuation().length > 2, "a prefix of another option spans several tokens");
    }

    @Test
    void theTreeHoldsForGroupedQueryAttentionAndQkNorm() throws Exception {
        scoreAndCheck(TestModels.tinyQwen3(false));                       // Qwen3: 4 query heads over 2 key/value heads
    }

    private static List<LogLikelihoodScorer.ScoredOption> scoreAndCheck(java.nio.file.Path dir) throws Exception {
        Tokenizer tokenizer = Tokenizers.load(dir);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), 512)) {
            LogLikelihoodScorer scorer = new LogLikelihoodScorer(model, tokenizer, 2);   // the output layer two prefixes at a time
            List<LogLikelihoodScorer.ScoredOption> scored = scorer.score(CONTEXT, OPTIONS);
            assertEquals(OPTIONS.size(), scored.size());
            for (int o = 0; o < OPTIONS.size(); o++) {
                LogLikelihoodScorer.ScoredOption s = scored.get(o);
                int[] whole = IntStream.concat(IntStream.of(s.context()), IntStream.of(s.continuation())).toArray();
                // The ids scored are exactly the tokens of the joined text (BOS first where the tokenizer adds one).
                assertArrayEquals(tokenizer.encode(CONTEXT + OPTIONS.get(o), true), whole, OPTIONS.get(o));
                double expected = 0;
                try (NDManager m = model.manager().newSubManager()) {
                    long[] ids = IntStream.of(whole).asLongStream().toArray();
                    NDArray logp = model.logits(m.create(ids, new Shape(1, ids.length))).logSoftmax(-1);   // [1, T, V]
                    float[] flat = logp.toFloatArray();
                    int vocab = model.config().vocabSize();
                    for (int j = 0; j < s.continuation().length; j++) {
                        int position = s.context().length + j - 1;       // the logits at p predict token p + 1
                        double lp = flat[position * vocab + s.continuation()[j]];
                        assertEquals(lp, s.tokenLogprobs()[j], 1e-4, "token " + j + " of option " + o);
                        expected += lp;
                    }
                }
                assertEquals(expected, s.logprob(), 1e-4, "option " + OPTIONS.get(o));
                assertTrue(s.logprob() < 0);
            }
            return scored;
        }
    }
}
