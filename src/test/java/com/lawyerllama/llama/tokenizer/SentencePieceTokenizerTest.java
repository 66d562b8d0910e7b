package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencePieceTokenizerTest {

    static SentencePieceTokenizer llama2() {
        return SentencePieceTokenizer.read(SharedData.path("tokenizers/llama2/tokenizer.model"));
    }

    @Test
    void readsTheLlama2ModelProto() {
        SentencePieceTokenizer tokenizer = llama2();
        SentencePieceModel model = tokenizer.model();
        assertThat(tokenizer.vocabSize()).isEqualTo(32000);
        assertThat(model.modelType()).isEqualTo(SentencePieceModel.ModelType.BPE);
        assertThat(model.byteFallback()).isTrue();
        assertThat(model.normalizer().addDummyPrefix()).isTrue();
        assertThat(model.normalizer().removeExtraWhitespaces()).isFalse();
        assertThat(List.of(model.unkId(), model.bosId(), model.eosId(), model.padId())).containsExactly(0, 1, 2, -1);
        assertThat(tokenizer.piece(0)).isEqualTo("<unk>");
        assertThat(tokenizer.pieceType(1)).isEqualTo(PieceType.CONTROL);
        assertThat(tokenizer.piece(13)).isEqualTo("<0x0A>");
        assertThat(tokenizer.pieceType(13)).isEqualTo(PieceType.BYTE);
        assertThat(tokenizer.piece(29871)).isEqualTo("\u2581");
    }

    @Test
    void encodesAllLlamaCppTestVectorsExactly() throws Exception {
        TestVectors vectors = TestVectors.llamaSpm();
        SentencePieceTokenizer tokenizer = llama2();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < vectors.inputs().size(); i++) {
            int[] actual = tokenizer.encode(vectors.inputs().get(i));
            if (!Arrays.equals(actual, vectors.expected().get(i))) {
                failures.add("#" + i + " " + vectors.inputs().get(i).replace("\n", "\\n") + "\n  expected " + Arrays.toString(vectors.expected().get(i))
                        + "\n  actual   " + Arrays.toString(actual));
            }
        }
        System.out.printf("llama.cpp SPM test vectors: %d/%d pass%n", vectors.inputs().size() - failures.size(), vectors.inputs().size());
        assertThat(failures).isEmpty();
    }

    @Test
    void decodesTestVectorsBackToTheirText() throws Exception {
        TestVectors vectors = TestVectors.llamaSpm();
        SentencePieceTokenizer tokenizer = llama2();
        for (int i = 0; i < vectors.inputs().size(); i++) {
            String input = vectors.inputs().get(i);
            assertThat(tokenizer.decode(vectors.expected().get(i))).as("vector #%d", i).isEqualTo(input);
        }
    }

    @Test
    void bosIsPrependedOnlyWhenAsked() {
        SentencePieceTokenizer tokenizer = llama2();
        assertThat(tokenizer.encode("Hello world", true)).containsExactly(1, 15043, 3186);
        assertThat(tokenizer.encode("Hello world", false)).containsExactly(15043, 3186);
        assertThat(tokenizer.encode("")).isEmpty();
    }

    @Test
    void controlTokensDecodeToNothing() {
        SentencePieceTokenizer tokenizer = llama2();
        assertThat(tokenizer.decode(new int[] {1, 15043, 3186, 2})).isEqualTo("Hello world");
    }
}
