package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Qwen's byte-level BPE ({@code tokenizers/qwen3/tokenizer.json}, the vocabulary of Qwen2, Qwen2.5
 * and Qwen3) against references that are not this project's code: llama.cpp's test vectors for
 * that vocabulary and Hugging Face's own tokenizers library (through DJL).
 */
class QwenTokenizerTest {
    static final Path DIR = SharedData.path("tokenizers/qwen3");
    static Tokenizer qwen;

    @BeforeAll
    static void load() {
        qwen = Tokenizers.load(DIR);
    }

    @Test
    void readsTheSpecialTokensAndAddsNoBos() {
        assertThat(qwen.vocabSize()).isEqualTo(151669);
        assertThat(qwen.addsBos()).isFalse();                              // add_bos_token false, no BOS in the post-processor
        assertThat(qwen.eosId()).isEqualTo(151645);                        // eos_token <|im_end|>
        assertThat(qwen.encode("<|im_start|>user\n你好<|im_end|>"))
                .containsExactly(151644, 872, 198, 108386, 151645);
        assertThat(qwen.encode("x", qwen.addsBos())).containsExactly(87);
        assertThat(qwen.decode(new int[] {151644, 872, 198, 108386, 151645})).isEqualTo("user\n你好"); // special tokens print nothing
        assertThat(qwen.decode(qwen.encode("<think>\n\n</think>"))).isEqualTo("<think>\n\n</think>");  // non-special added tokens do
    }

    @Test
    void encodesLlamaCppsQwen2TestVectors() throws IOException {
        TestVectors vectors = TestVectors.qwen2();
        for (int i = 0; i < vectors.inputs().size(); i++) {
            String input = vectors.inputs().get(i);
            assertThat(qwen.encode(input)).as("vector #%d %s", i, input).containsExactly(vectors.expected().get(i));
            assertThat(qwen.decode(vectors.expected().get(i))).as("decode #%d", i).isEqualTo(input);
        }
    }

    @Test
    void chineseStatuteTextRoundTripsAndStreamsWholeCharacters() throws IOException {
        String book = StatuteText.contractBook();
        int[] ids = qwen.encode(book);
        assertThat(qwen.decode(ids)).isEqualTo(book);
        Tokenizer.StreamingDecoder stream = qwen.streamingDecoder();
        StringBuilder streamed = new StringBuilder();
        int partial = 0;
        for (int id : ids) {
            String piece = stream.append(id);
            assertThat(piece).doesNotContain("\uFFFD");
            partial += piece.isEmpty() ? 1 : 0;
            streamed.append(piece);
        }
        streamed.append(stream.flush());
        assertThat(streamed.toString()).isEqualTo(book);
        assertThat(partial).as("tokens that end inside a character (held back until it completes)").isPositive();
    }

    @Test
    void sameIdsAsHuggingFaceTokenizersOnCorpusLines() throws IOException {
        List<String> lines = corpus();
        assertThat(lines.size()).isGreaterThan(2500);
        int tokens = 0;
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(DIR.resolve("tokenizer.json"))
                .optAddSpecialTokens(false).optTruncation(false).build()) {
            for (String line : lines) {
                long[] expected = reference.encode(line, false, false).getIds();
                int[] mine = qwen.encode(line);
                assertThat(java.util.Arrays.stream(mine).asLongStream().toArray()).as(line).containsExactly(expected);
                tokens += mine.length;
            }
        }
        System.out.printf("Qwen tokenizer: %d corpus lines, %d tokens, identical to Hugging Face tokenizers%n", lines.size(), tokens);
    }

    /** Statute lines, and Chinese and English instruction data (lines and whole multi-line answers). */
    static List<String> corpus() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String law : List.of("laws/民法典/合同编.md", "laws/民法典/婚姻家庭编.md", "laws/刑法")) {
            Path path = SharedData.path(law);
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.list(path)) {
                    files = s.filter(f -> f.toString().endsWith(".md")).sorted().limit(2).toList();
                }
            } else {
                files = List.of(path);
            }
            for (Path f : files) {
                Files.readAllLines(f).stream().filter(l -> !l.isBlank()).limit(400).forEach(lines::add);
            }
        }
        JsonMapper json = JsonMapper.builder().build();
        for (String file : List.of("general-sft/alpaca_zh_demo.json", "general-sft/alpaca_en_demo.json")) {
            JsonNode records = json.readTree(SharedData.path(file).toFile());
            int taken = 0;
            for (JsonNode r : records) {
                if (taken++ >= 120) {
                    break;
                }
                for (String field : List.of("instruction", "input", "output")) {
                    String text = r.path(field).asString("");
                    if (!text.isBlank()) {
                        lines.add(text);                                     // whole, with its newlines
                        for (String line : text.split("\n")) {
                            if (!line.isBlank()) {
                                lines.add(line);
                            }
                        }
                    }
                }
            }
        }
        return lines;
    }
}
