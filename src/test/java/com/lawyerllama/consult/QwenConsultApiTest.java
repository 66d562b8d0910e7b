package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestModels;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * /consult and its SSE stream served by a Qwen3 checkpoint (small, random weights) with the real
 * Qwen tokenizer and chat template: the prompt is the template's rendering of the chat messages
 * (system instructions, the question with its 参考法条 block), the answer is checked for citations
 * and streamed as whole characters. The answer itself is noise.
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.model.max-concurrency=1", "lawyer.model.queue-capacity=2"})
class QwenConsultApiTest {
    static final String DEPOSIT = "我交了定金，商家违约了，能要求双倍返还吗？";

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("lawyer.model.path", () -> TestModels.tinyQwen3(false).toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

    @Autowired
    LlamaEngine engine;

    @Autowired
    PromptBuilder prompts;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    @Test
    void consultsThroughTheQwenTemplateAndStreams() throws Exception {
        assertThat(engine.describe()).containsEntry("architecture", "qwen3").containsEntry("chatTemplate", "own (tokenizer_config.json)");
        HttpResponse<String> response = new Http(port).postJson("/consult", "{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":16,\"temperature\":0}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Http.json(response);
        assertThat(body.path("articles")).hasSize(3);
        assertThat(body.path("citations").isArray()).isTrue();
        assertThat(body.path("usage").path("completionTokens").asInt()).isBetween(1, 16);
        // The prompt the model saw is the template's rendering of the consultation's messages, Qwen-tokenized without BOS.
        List<ConsultResponse.ArticleRef> articles = new ArrayList<>();
        body.path("articles").forEach(a -> articles.add(new ConsultResponse.ArticleRef(a.path("id").asString(),
                a.path("law").asString(), a.path("article").asString(), a.path("text").asString(), null)));
        String rendered = engine.chatFormat().render(prompts.messages(List.of(), DEPOSIT, articles), true);
        assertThat(rendered).startsWith("<|im_start|>system\n").contains("<|im_start|>user\n" + DEPOSIT + "\n### 参考法条:\n")
                .endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        assertThat(body.path("usage").path("promptTokens").asInt()).isEqualTo(engine.tokenizer().encode(rendered).length);

        HttpResponse<String> stream = new Http(port).send(new Http(port).request("/consult")
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"" + DEPOSIT + "\",\"maxTokens\":12,\"temperature\":0}")));
        assertThat(stream.statusCode()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^event:(\\S+)").matcher(stream.body());
        while (m.find()) {
            events.add(m.group(1));
        }
        assertThat(events.get(0)).isEqualTo("articles");
        assertThat(events.get(events.size() - 1)).isEqualTo("done");
        assertThat(events.subList(1, events.size() - 1)).allMatch("token"::equals);
    }
}
