package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersLoadTest {

    @Test
    void picksTokenizerModelOverTokenizerBin() {
        Tokenizer tokenizer = Tokenizers.load(SharedData.path("tokenizers/llama2"));
        assertThat(tokenizer).isInstanceOf(SentencePieceTokenizer.class);
    }

    @Test
    void fallsBackToTokenizerBin(@TempDir Path dir) throws Exception {
        Files.copy(SharedData.path("models/stories260K/tok512.bin"), dir.resolve("tokenizer.bin"));
        Tokenizer tokenizer = Tokenizers.load(dir);
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
    }

    @Test
    void namesTheDirectoryAndWhatWasLookedForWhenNothingIsThere(@TempDir Path dir) {
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("tokenizer.model")
                .hasMessageContaining("tokenizer.bin")
                .hasMessageContaining("*.model");
        assertThatThrownBy(() -> Tokenizers.load(dir.resolve("missing")))
                .hasMessageContaining("missing").hasMessageContaining("does not exist");
    }

    @Test
    void severalModelFilesAreAmbiguous(@TempDir Path dir) throws Exception {
        Files.copy(SharedData.path("tokenizers/chinese-llama-1/chinese_sp.model"), dir.resolve("a.model"));
        Files.copy(SharedData.path("tokenizers/chinese-llama-1/chinese_sp.model"), dir.resolve("b.model"));
        assertThatThrownBy(() -> Tokenizers.load(dir)).hasMessageContaining("a.model").hasMessageContaining("b.model");
    }

    @Test
    void bosAndEosComeFromTheConfigFiles(@TempDir Path dir) throws Exception {
        Files.copy(SharedData.path("tokenizers/llama2/tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": [13, 2]}");
        Tokenizer fromConfig = Tokenizers.load(dir);
        assertThat(fromConfig.bosId()).isEqualTo(1);
        assertThat(fromConfig.eosId()).isEqualTo(13);

        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"<unk>\"}");
        Tokenizer fromTokenizerConfig = Tokenizers.load(dir);
        assertThat(fromTokenizerConfig.eosId()).isEqualTo(0);
        assertThat(fromTokenizerConfig.encode("Hello", true)).containsExactly(1, 15043);
    }
}
