package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer.json written from the LLaMA-2 tokenizer.model must encode exactly as the model does. */
class HuggingFaceBpeTokenizerTest {
    @TempDir
    static Path dir;
    static SentencePieceTokenizer spm;
    static Tokenizer hf;

    @BeforeAll
    static void writeTokenizerJson() {
        spm = SentencePieceTokenizerTest.llama2();
        Tokenizers.writeTokenizerJson(spm.model(), dir.resolve("tokenizer.json"));
        Tokenizers.writeSentencePieceModel(spm.model(), dir); // a model dir holds both; load must prefer the json
        hf = Tokenizers.load(dir);
    }

    @Test
    void loadPrefersTokenizerJsonAndReadsTheLlamaLayout() throws Exception {
        assertThat(hf).isInstanceOf(HuggingFaceBpeTokenizer.class);
        assertThat(hf.vocabSize()).isEqualTo(32000);
        assertThat(hf.bosId()).isEqualTo(1);
        assertThat(hf.eosId()).isEqualTo(2);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertThat(json).contains("\"type\" : \"BPE\"", "\"byte_fallback\" : true", "\"type\" : \"Prepend\"", "\"merges\"");
    }

    @Test
    void encodesTheLlamaCppTestVectorsLikeTheSentencePieceModel() throws Exception {
        TestVectors vectors = TestVectors.llamaSpm();
        int passed = 0;
        for (int i = 0; i < vectors.inputs().size(); i++) {
            String input = vectors.inputs().get(i);
            assertThat(hf.encode(input)).as("vector #%d %s", i, input).containsExactly(vectors.expected().get(i));
            assertThat(hf.decode(vectors.expected().get(i))).as("decode #%d", i).isEqualTo(input);
            passed++;
        }
        System.out.printf("tokenizer.json: %d/%d llama.cpp test vectors pass%n", passed, vectors.inputs().size());
    }

    @Test
    void encodesChineseStatuteTextLikeTheSentencePieceModel() throws Exception {
        String book = StatuteText.contractBook();
        for (String paragraph : book.split("\n")) {
            assertThat(hf.encode(paragraph)).as(paragraph).containsExactly(spm.encode(paragraph));
        }
        int[] ids = hf.encode(book);
        assertThat(ids).containsExactly(spm.encode(book));
        assertThat(hf.decode(ids)).isEqualTo(book);
    }

    @Test
    void specialTokensInTheTextAreMatchedWholeAsHuggingFaceDoes() {
        assertThat(hf.encode("<s>Hello")).containsExactly(1, 15043);
    }

    @Test
    void readsMergesInTheirOlderSpaceSeparatedForm() throws Exception {
        Path legacy = dir.resolve("legacy");
        Files.createDirectories(legacy);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        // ["▁", "t"] → "▁ t": the format that tokenizers < 0.20 wrote
        String older = json.replaceAll("\\[ \"([^\" ]+)\", \"([^\" ]+)\" \\]", "\"$1 $2\"");
        assertThat(older).isNotEqualTo(json);
        Files.writeString(legacy.resolve("tokenizer.json"), older);
        Tokenizer reloaded = Tokenizers.load(legacy);
        String text = "第四百六十四条 合同是民事主体之间设立、变更、终止民事法律关系的协议。Hello world";
        assertThat(reloaded.encode(text)).containsExactly(spm.encode(text));
    }

    @Test
    void readsTheNewerMetaspacePreTokenizerLayout() throws Exception {
        Path metaspace = dir.resolve("metaspace");
        Files.createDirectories(metaspace);
        tools.jackson.databind.json.JsonMapper mapper = tools.jackson.databind.json.JsonMapper.builder().build();
        tools.jackson.databind.node.ObjectNode root =
                (tools.jackson.databind.node.ObjectNode) mapper.readTree(dir.resolve("tokenizer.json").toFile());
        // as transformers writes LLaMA tokenizers with legacy=false
        root.putNull("normalizer");
        root.set("pre_tokenizer", mapper.readTree(
                "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"first\",\"split\":false}"));
        root.set("decoder", mapper.readTree(
                "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"first\",\"split\":false}"));
        Files.writeString(metaspace.resolve("tokenizer.json"), mapper.writeValueAsString(root));
        Tokenizer tokenizer = Tokenizers.load(metaspace);
        for (String text : StatuteText.articles(10)) {
            assertThat(tokenizer.encode(text)).as(text).containsExactly(spm.encode(text));
            assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
        }
        assertThat(tokenizer.encode("Hello world")).containsExactly(15043, 3186);
        assertThat(tokenizer.encode("<s>Hello")).containsExactly(1, 10994); // "first": no ▁ after a leading special token
    }
}
