package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePieceModelWriterTest {

    @Test
    void writtenLlama2ModelReadsBackWithTheSamePiecesSettingsAndIds(@TempDir Path out) throws Exception {
        SentencePieceModel original = SentencePieceModel.read(SharedData.path("tokenizers/llama2/tokenizer.model"));
        Tokenizers.writeSentencePieceModel(original, out);
        SentencePieceModel reread = SentencePieceModel.read(out.resolve("tokenizer.model"));

        assertThat(reread.pieces()).isEqualTo(original.pieces());
        assertThat(reread.modelType()).isEqualTo(original.modelType());
        assertThat(reread.byteFallback()).isEqualTo(original.byteFallback());
        assertThat(new int[] {reread.unkId(), reread.bosId(), reread.eosId(), reread.padId()})
                .containsExactly(original.unkId(), original.bosId(), original.eosId(), original.padId());
        assertThat(reread.unkSurface()).isEqualTo(original.unkSurface());
        assertThat(reread.normalizer().name()).isEqualTo("identity");
        assertThat(reread.normalizer().addDummyPrefix()).isTrue();
        assertThat(reread.normalizer().removeExtraWhitespaces()).isFalse();
        assertThat(reread.toBytes()).isEqualTo(original.toBytes()); // writing is stable

        Tokenizer loaded = Tokenizers.load(out);
        TestVectors vectors = TestVectors.llamaSpm();
        for (int i = 0; i < vectors.inputs().size(); i++) {
            assertThat(loaded.encode(vectors.inputs().get(i))).as("vector #%d", i).containsExactly(vectors.expected().get(i));
        }
        assertThat(Files.readString(out.resolve("tokenizer_config.json")))
                .contains("\"tokenizer_class\" : \"LlamaTokenizer\"", "\"bos_token\" : \"<s>\"", "\"add_bos_token\" : true");
        assertThat(Files.readString(out.resolve("special_tokens_map.json")))
                .contains("\"bos_token\" : \"<s>\"", "\"eos_token\" : \"</s>\"", "\"unk_token\" : \"<unk>\"");
    }

    @Test
    void writtenChineseLlama2ModelEncodesStatutesIdentically(@TempDir Path out) throws Exception {
        SentencePieceModel original = SentencePieceModel.read(SharedData.path("tokenizers/chinese-llama-2/tokenizer.model"));
        Tokenizers.writeSentencePieceModel(original, out);
        Tokenizer reread = Tokenizers.load(out.resolve("tokenizer.model"));
        Tokenizer tokenizer = new SentencePieceTokenizer(original);
        String book = StatuteText.contractBook();
        assertThat(reread.vocabSize()).isEqualTo(55296);
        assertThat(reread.encode(book)).containsExactly(tokenizer.encode(book));
    }

    @Test
    void theUnigramModelsNormalizerCharsmapIsKept(@TempDir Path out) {
        SentencePieceModel original = SentencePieceModel.read(SharedData.path("tokenizers/chinese-llama-1/chinese_sp.model"));
        original.write(out.resolve("chinese_sp.model"));
        SentencePieceModel reread = SentencePieceModel.read(out.resolve("chinese_sp.model"));
        assertThat(reread.modelType()).isEqualTo(SentencePieceModel.ModelType.UNIGRAM);
        assertThat(reread.normalizer().name()).isEqualTo("nmt_nfkc");
        assertThat(reread.normalizer().precompiledCharsmap()).isEqualTo(original.normalizer().precompiledCharsmap());
        assertThat(reread.pieces()).isEqualTo(original.pieces());
    }
}
