package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampling, stopping and cancellation, on the real stories260K model. */
class LlamaGenerationTest {
    @TempDir
    static Path tmp;
    static LlamaModel model;
    static Tokenizer tokenizer;
    static Generator generator;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TestModels.stories260K();
        tokenizer = Tokenizers.load(dir);
        model = LlamaModel.load(dir, Device.cpu(), 512);
        generator = new Generator(model, tokenizer);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationResult run(String prompt, GenerationOptions options) {
        return generator.generate(prompt, options, TokenListener.NONE, () -> false);
    }

    @Test
    void seededSamplingIsReproducible() {
        GenerationOptions options = new GenerationOptions(60, 1.0, 40, 0.9, 1.1, 1234L, List.of());
        GenerationResult a = run("Once upon a time", options);
        GenerationResult b = run("Once upon a time", options);
        GenerationResult c = run("Once upon a time", options.withSeed(99L));
        assertEquals(a.text(), b.text());
        assertNotEquals(a.text(), c.text());
    }

    @Test
    void stopStringEndsTheTextBeforeIt() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = generator.generate(new int[] {tokenizer.bosId()},
                GenerationOptions.greedy(100).withStopStrings(List.of("Lily")), (id, text) -> streamed.append(text), () -> false);
        assertEquals("Once upon a time, there was a little girl named ", r.text());
        assertEquals(r.text(), streamed.toString(), "the stop string never reaches the stream");
        assertEquals(GenerationResult.FinishReason.STOP, r.finishReason());
    }

    @Test
    void maxNewTokensLimitsTheOutput() {
        GenerationResult r = run("Once upon a time", GenerationOptions.greedy(5));
        assertEquals(5, r.generatedTokens());
        assertEquals(GenerationResult.FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler sampler = new Sampler(GenerationOptions.greedy(1).withRepetitionPenalty(2.0));
        sampler.observe(0, 2);
        float[] logits = {2.0f, 1.5f, -1.0f};
        assertEquals(1, sampler.sample(logits));
        assertEquals(1.0f, logits[0]);
        assertEquals(-2.0f, logits[2]);
    }

    @Test
    void topKOneIsGreedy() {
        GenerationResult greedy = run("Once upon a time", GenerationOptions.greedy(30));
        GenerationResult topK = run("Once upon a time", new GenerationOptions(30, 1.5, 1, 1.0, 1.0, 5L, List.of()));
        assertEquals(greedy.text(), topK.text());
    }

    @Test
    void promptLongerThanTheContextIsRefused() {
        int[] prompt = new int[600];
        java.util.Arrays.fill(prompt, 300);
        ContextLengthExceededException e = assertThrows(ContextLengthExceededException.class,
                () -> generator.generate(prompt, GenerationOptions.greedy(10), TokenListener.NONE, () -> false));
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void cancellationFromAnotherThreadStopsGeneration() throws Exception {
        LlamaEngine engine = new LlamaEngine(tmp, model, tokenizer, null, GenerationOptions.defaults(), 1, 1);
        CountDownLatch started = new CountDownLatch(1);
        LlamaEngine.Task task = engine.submit("Once upon a time", GenerationOptions.greedy(400), (id, text) -> {
            started.countDown();
            sleep(5);
        });
        assertTrue(started.await(30, TimeUnit.SECONDS));
        task.cancel();
        GenerationResult r = task.result().get(30, TimeUnit.SECONDS);
        assertEquals(GenerationResult.FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.generatedTokens() < 400);
        assertFalse(r.text().isEmpty());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
