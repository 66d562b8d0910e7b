package com.lawyerllama.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;

/** A Qwen3 checkpoint with its own chat template served by the engine: template, end-of-turn stop, what health shows. */
class QwenServingTest {

    @Test
    void servesThroughItsOwnTemplateAndStopsAtImEnd() throws Exception {
        Path dir = TestModels.tinyQwen3(true);
        Tokenizer tokenizer = Tokenizers.load(dir);
        LlamaEngine engine = new LlamaEngine(dir, LlamaModel.load(dir, Device.cpu(), 512), tokenizer, null,
                GenerationOptions.defaults(), 1, 1);
        try {
            assertThat(engine.describe()).containsEntry("architecture", "qwen3")
                    .containsEntry("chatTemplate", "own (tokenizer_config.json)")
                    .containsEntry("sourceFormat", "Hugging Face safetensors (float32)")
                    .containsEntry("dtype", "float32");
            String rendered = engine.chatFormat().render(List.of(ChatMessage.system("S"), ChatMessage.user("定金")), true);
            assertThat(rendered).isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n定金<|im_end|>\n<|im_start|>assistant\n");

            ChatResponse response = engine.call(new Prompt(List.of(new SystemMessage("S"), new UserMessage("定金"))));
            assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
            assertThat(response.getResult().getOutput().getText()).isEmpty();
            assertThat(response.getMetadata().getUsage().getPromptTokens()).isEqualTo(tokenizer.encode(rendered).length);
            assertThat(tokenizer.addsBos()).isFalse();
        } finally {
            engine.close();
        }
    }

    @Test
    void aRandomQwen3AnswersUntilItsTokenBudgetWithTheTemplatePrompt() throws Exception {
        Path dir = TestModels.tinyQwen3(false);
        Tokenizer tokenizer = Tokenizers.load(dir);
        LlamaEngine engine = new LlamaEngine(dir, LlamaModel.load(dir, Device.cpu(), 512), tokenizer, null,
                GenerationOptions.greedy(12), 1, 1);
        try {
            ChatResponse response = engine.call(new Prompt(List.of(new UserMessage("离婚后孩子抚养费怎么算？"))));
            assertThat(response.getResult().getMetadata().getFinishReason()).isIn("LENGTH", "STOP");
            assertThat(response.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 12);
        } finally {
            engine.close();
        }
    }

    @Test
    void generateChatAppliesTheTemplateAndRawPromptsStayRaw() {
        Path dir = TestModels.tinyQwen3(true);
        // --chat: the prompt goes through the template as one user message; the model ends its turn at once
        com.lawyerllama.testsupport.Cli.Result chat = com.lawyerllama.testsupport.Cli.run("generate", "--model", dir.toString(),
                "--chat", "--prompt", "定金", "--temperature", "0", "--max-tokens", "8", "--verbose");
        assertThat(chat.code()).as(chat.stderr()).isZero();
        assertThat(chat.stdout().strip()).isEmpty();
        assertThat(chat.stderr()).contains("finish STOP");
        // without --chat the raw text is continued; the tokens it ends on are the model's, the turn end included
        com.lawyerllama.testsupport.Cli.Result raw = com.lawyerllama.testsupport.Cli.run("generate", "--model", dir.toString(),
                "--prompt", "定金", "--temperature", "0", "--max-tokens", "8", "--verbose");
        assertThat(raw.code()).as(raw.stderr()).isZero();
        assertThat(raw.stderr()).contains("2 prompt tokens");   // 定金 is two Qwen tokens, no BOS, no template
    }

    @Test
    void mistralIsLlamaUnlessItsWindowIsInUse() throws Exception {
        Path tmp = java.nio.file.Files.createTempDirectory("mistral");
        String common = "\"hidden_size\": 16, \"intermediate_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                + " \"vocab_size\": 40, \"max_position_embeddings\": 8192";
        java.nio.file.Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"mistral\", " + common + ", \"sliding_window\": null}");
        assertThat(LlamaConfig.read(tmp).slidingWindow()).isNull();
        assertThat(LlamaConfig.read(tmp).architecture()).isEqualTo(Architecture.MISTRAL);
        java.nio.file.Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"mistral\", " + common + ", \"sliding_window\": 4096}");
        assertThat(LlamaConfig.read(tmp).slidingWindow()).isEqualTo(new LlamaConfig.SlidingWindow(4096, 0));
    }
}
