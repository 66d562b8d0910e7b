package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** The shared engine: bounded queue, the Spring AI ChatModel face, "not loaded". */
class LlamaEngineTest {
    @TempDir
    static Path tmp;
    static LlamaModel model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TestModels.stories260K();
        tokenizer = Tokenizers.load(dir);
        model = LlamaModel.load(dir, Device.cpu(), 512);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void fullQueueRefusesWithEngineBusy() throws Exception {
        LlamaEngine engine = new LlamaEngine(tmp, model, tokenizer, null, GenerationOptions.defaults(), 1, 1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        LlamaEngine.Task first = engine.submit("Once", GenerationOptions.greedy(3), (id, text) -> {
            running.countDown();
            await(release);
        });
        assertTrue(running.await(30, TimeUnit.SECONDS));
        LlamaEngine.Task queued = engine.submit("Once", GenerationOptions.greedy(3), TokenListener.NONE);
        EngineBusyException busy = assertThrows(EngineBusyException.class,
                () -> engine.submit("Once", GenerationOptions.greedy(3), TokenListener.NONE));
        assertTrue(busy.retryAfterSeconds() >= 1);
        release.countDown();
        assertEquals(3, first.result().get(30, TimeUnit.SECONDS).generatedTokens());
        assertEquals(3, queued.result().get(30, TimeUnit.SECONDS).generatedTokens());
        // capacity is free again
        assertEquals(3, engine.submit("Once", GenerationOptions.greedy(3), TokenListener.NONE)
                .result().get(30, TimeUnit.SECONDS).generatedTokens());
    }

    @Test
    void sequencesDecodedTogetherGiveTheSameTextAsAlone() throws Exception {
        String[] prompts = {"Once upon a time", "Lily and Tom were", "The big dog", "One day, a little bird"};
        Generator alone = new Generator(model, tokenizer);
        LlamaEngine engine = new LlamaEngine(tmp, model, tokenizer, null, GenerationOptions.defaults(), 4, 4);
        List<LlamaEngine.Task> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            // different lengths: the rows of the batch sit at different positions and finish at different steps
            tasks.add(engine.submit(prompts[i], GenerationOptions.greedy(30 + 10 * i), TokenListener.NONE));
        }
        for (int i = 0; i < prompts.length; i++) {
            GenerationResult batched = tasks.get(i).result().get(60, TimeUnit.SECONDS);
            GenerationResult single = alone.generate(prompts[i], GenerationOptions.greedy(30 + 10 * i), TokenListener.NONE, () -> false);
            assertEquals(single.text(), batched.text(), prompts[i]);
            assertEquals(single.generatedTokens(), batched.generatedTokens());
        }
    }

    @Test
    void activatingANewModelLetsRunningRequestsFinishOnTheOldOne() throws Exception {
        Path dir = TestModels.stories260K();
        LlamaEngine engine = new LlamaEngine(dir, LlamaModel.load(dir, Device.cpu(), 512), tokenizer, null,
                GenerationOptions.defaults(), 2, 2);
        CountDownLatch started = new CountDownLatch(1);
        LlamaEngine.Task running = engine.submit("Once upon a time", GenerationOptions.greedy(100), (id, text) -> {
            started.countDown();
            LlamaGenerationTest.sleep(2);
        });
        assertTrue(started.await(30, TimeUnit.SECONDS));
        Path copy = tmp.resolve("copy");
        Checkpoints.writeAtomically(copy, target -> {
            engine.model().saveTo(target, SafetensorsReader.DType.F16, 0);
            com.lawyerllama.llama.tokenizer.Tokenizers.convertLlama2c(
                    SharedData.path("models/stories260K/tok512.bin"), target);
        });
        engine.activate(copy);
        assertEquals(copy, engine.path());
        GenerationResult old = running.result().get(60, TimeUnit.SECONDS);
        assertEquals(GenerationResult.FinishReason.LENGTH, old.finishReason());
        assertEquals(100, old.generatedTokens());
        assertEquals(5, engine.submit("Once", GenerationOptions.greedy(5), TokenListener.NONE)
                .result().get(30, TimeUnit.SECONDS).generatedTokens());
        engine.close();
    }

    @Test
    void chatModelCallAndStreamAgree() {
        LlamaEngine engine = new LlamaEngine(tmp, model, tokenizer, null, GenerationOptions.defaults(), 2, 4);
        Prompt prompt = new Prompt("Lily and Tom", ChatOptions.builder().temperature(0.0).maxTokens(20).build());
        ChatResponse response = engine.call(prompt);
        assertFalse(response.getResult().getOutput().getText().isEmpty());
        assertEquals(20, response.getMetadata().getUsage().getCompletionTokens());
        List<ChatResponse> chunks = engine.stream(prompt).collectList().block();
        StringBuilder streamed = new StringBuilder();
        chunks.forEach(c -> streamed.append(c.getResult().getOutput().getText()));
        assertEquals(response.getResult().getOutput().getText(), streamed.toString().strip());
        assertEquals("LENGTH", chunks.get(chunks.size() - 1).getResult().getMetadata().getFinishReason());
    }

    @Test
    void withoutAModelTheEngineReportsNotLoaded() {
        LlamaEngine engine = LlamaEngine.fromProperties(new ModelProperties(null, 1, 1, 512, 0, 16, 0.7, 0.9, 1.1, "auto", false));
        assertFalse(engine.isLoaded());
        assertEquals(false, engine.describe().get("loaded"));
        assertThrows(ModelNotLoadedException.class, () -> engine.call(new Prompt("hello")));
    }

    @Test
    void aBrokenModelPathIsReportedNotThrown() {
        LlamaEngine engine = LlamaEngine.fromProperties(
                new ModelProperties(tmp.resolve("nowhere"), 1, 1, 512, 0, 16, 0.7, 0.9, 1.1, "auto", false));
        assertFalse(engine.isLoaded());
        assertTrue(engine.loadError() != null && !engine.loadError().isBlank());
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
