package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PromptBuilderTest {
    private final ConsultProperties properties = new ConsultProperties(2000, 16384, 1024, 3, false, "conversations",
            java.time.Duration.ofMinutes(5), ConsultProperties.Prompt.lawyerLlama());
    private final PromptBuilder builder = new PromptBuilder(properties);
    private final List<ConsultResponse.ArticleRef> articles = List.of(
            new ConsultResponse.ArticleRef("民法典:2020-05-28:1087", "民法典", "第一千零八十七条", "离婚时，夫妻的共同财产由双方协议处理；\n协议不成的，由人民法院判决。", 3.0));

    @Test
    void rendersTheLawyerLlamaFormatWithHistoryAndArticles() {
        String prompt = builder.render(List.of(new PromptBuilder.Exchange("第一问", "第一答")), "第二问", articles);
        assertThat(prompt).isEqualTo(com.lawyerllama.llama.PromptFormat.SYSTEM_PROMPT + "\n"
                + "### Human: 第一问\n### Assistant: 第一答\n"
                + "### Human: 第二问\n### 参考法条:\n"
                + "《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理； 协议不成的，由人民法院判决。\n"
                + "### Assistant:");
        assertThat(com.lawyerllama.llama.PromptFormat.SYSTEM_PROMPT).contains("无关").contains("不要引用");
    }

    @Test
    void withACheckpointTemplateTheSameMessagesGoThroughIt() {
        com.lawyerllama.llama.chat.ChatFormat qwen = com.lawyerllama.llama.chat.ChatFormats.forModel(
                com.lawyerllama.testsupport.SharedData.path("tokenizers/qwen3"), null, "auto", java.util.Map.of("enable_thinking", false));
        assertThat(builder.formatFor(qwen)).isSameAs(qwen);
        PromptBuilder.BuiltPrompt prompt = builder.build(List.of(new PromptBuilder.Exchange("第一问", "第一答")), "第二问", articles,
                qwen, String::length, 10_000);
        assertThat(prompt.messages()).extracting(com.lawyerllama.llama.chat.ChatMessage::role)
                .containsExactly("system", "user", "assistant", "user");
        assertThat(prompt.text()).isEqualTo("<|im_start|>system\n" + com.lawyerllama.llama.PromptFormat.SYSTEM_PROMPT + "<|im_end|>\n"
                + "<|im_start|>user\n第一问<|im_end|>\n<|im_start|>assistant\n第一答<|im_end|>\n"
                + "<|im_start|>user\n第二问\n### 参考法条:\n"
                + "《民法典》第一千零八十七条：离婚时，夫妻的共同财产由双方协议处理； 协议不成的，由人民法院判决。<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
        // without a template of its own, the served model gets the Lawyer LLaMA format with the configured prefixes
        assertThat(builder.formatFor(new com.lawyerllama.llama.chat.LawyerLlamaFormat()).render(prompt.messages(), true))
                .isEqualTo(builder.render(List.of(new PromptBuilder.Exchange("第一问", "第一答")), "第二问", articles));
    }

    @Test
    void trimsTheOldestHistoryFirstToFitTheBudget() {
        List<PromptBuilder.Exchange> history = List.of(new PromptBuilder.Exchange("旧问题", "旧回答".repeat(50)),
                new PromptBuilder.Exchange("新问题", "新回答"));
        // One "token" per character: a budget that fits the newest exchange but not both.
        int withNewest = builder.render(history.subList(1, 2), "问题", articles).length();
        PromptBuilder.BuiltPrompt prompt = builder.build(history, "问题", articles, String::length, withNewest);
        assertThat(prompt.keptExchanges()).isEqualTo(1);
        assertThat(prompt.text()).contains("新问题").doesNotContain("旧问题");
    }

    @Test
    void aQuestionThatCannotFitIsRefused() {
        assertThatThrownBy(() -> builder.build(List.of(), "问题", articles, String::length, 10))
                .isInstanceOf(PromptBuilder.PromptTooLongException.class).hasMessageContaining("10");
    }
}
