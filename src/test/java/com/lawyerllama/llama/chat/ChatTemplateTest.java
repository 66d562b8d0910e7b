package com.lawyerllama.llama.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.SharedData;
import java.nio.charset.StandardCharsets;
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
 * The Qwen3 chat template of {@code tokenizers/qwen3/tokenizer_config.json}, rendered by Jinjava,
 * gives exactly transformers' own renders ({@code chat_template_cases.jsonl}), and the rendered text
 * tokenizes to the ids Hugging Face's tokenizers library gives it.
 */
class ChatTemplateTest {
    static final Path QWEN3 = SharedData.path("tokenizers/qwen3");

    @TempDir
    Path tmp;

    @Test
    void rendersTransformersOwnRendersOfTheQwen3Template() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(QWEN3);
        ChatFormat thinking = ChatFormats.forModel(QWEN3, tokenizer, ChatFormats.AUTO, Map.of());
        ChatFormat noThinking = ChatFormats.forModel(QWEN3, tokenizer, ChatFormats.AUTO, Map.of("enable_thinking", false));
        assertThat(thinking.kind()).isEqualTo("own");
        assertThat(thinking.source()).isEqualTo("tokenizer_config.json");
        assertThat(thinking.endOfTurnIds()).containsExactly(151645);   // <|im_end|>
        JsonMapper json = JsonMapper.builder().build();
        int cases = 0;
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(QWEN3.resolve("tokenizer.json"))
                .optAddSpecialTokens(false).optTruncation(false).build()) {
            for (String line : Files.readAllLines(QWEN3.resolve("chat_template_cases.jsonl"), StandardCharsets.UTF_8)) {
                JsonNode c = json.readTree(line);
                List<ChatMessage> messages = new ArrayList<>();
                c.path("messages").forEach(m -> messages.add(new ChatMessage(m.path("role").asString(), m.path("content").asString())));
                ChatFormat format = c.path("enable_thinking").asBoolean(true) ? thinking : noThinking;
                String text = format.render(messages, c.path("add_generation_prompt").asBoolean(false));
                assertThat(text).as(line).isEqualTo(c.path("text").asString());
                // (the file's "ids" field holds ["input_ids", "attention_mask"], not ids: the ids come from HF tokenizers)
                long[] expected = reference.encode(text, false, false).getIds();
                assertThat(java.util.Arrays.stream(tokenizer.encode(text)).asLongStream().toArray()).as(text).containsExactly(expected);
                cases++;
            }
        }
        assertThat(cases).isEqualTo(5);
    }

    @Test
    void aTemplateThatCannotRenderIsAClearError() throws Exception {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}{{ m.content }\"}");
        assertThatThrownBy(() -> ChatFormats.forModel(tmp, null, ChatFormats.AUTO, Map.of()))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chat template (tokenizer_config.json) failed to render");

        Files.writeString(tmp.resolve("chat_template.jinja"),
                "{% if messages[0].role != 'system' %}{{ raise_exception('the first message must be the system prompt') }}{% endif %}");
        assertThatThrownBy(() -> ChatFormats.forModel(tmp, null, ChatFormats.AUTO, Map.of()))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("the first message must be the system prompt");
    }

    @Test
    void lawyerLlamaFormatIsTheDefaultWithoutATemplateAndSelectable() throws Exception {
        ChatFormat none = ChatFormats.forModel(tmp, null, ChatFormats.AUTO, Map.of());
        assertThat(none.kind()).isEqualTo("Lawyer LLaMA");
        assertThat(none.render(List.of(ChatMessage.system("S"), ChatMessage.user("Q1"), ChatMessage.assistant("A1"),
                ChatMessage.user("Q2")), true)).isEqualTo("S\n### Human: Q1\n### Assistant: A1\n### Human: Q2\n### Assistant:");
        assertThat(none.stopStrings()).containsExactly("### Human:");
        assertThat(ChatFormats.forModel(QWEN3, null, ChatFormats.LAWYER_LLAMA, Map.of()).kind()).isEqualTo("Lawyer LLaMA");
    }
}
