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
}
