package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerFileTest {

    @Test
    void readsStories260kTokenizerWithSentencePiecePieces() {
        Tokenizer tokenizer = Tokenizers.loadFile(SharedData.path("models/stories260K/tok512.bin"));
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
        assertThat(tokenizer.piece(0)).isEqualTo("<unk>");
        assertThat(tokenizer.piece(1)).isEqualTo("<s>");
        assertThat(tokenizer.piece(2)).isEqualTo("</s>");
        assertThat(tokenizer.piece(3)).isEqualTo("<0x00>");
        assertThat(tokenizer.piece(259)).isEqualTo("\u2581t");
        assertThat(tokenizer.bosId()).isEqualTo(1);
        assertThat(tokenizer.eosId()).isEqualTo(2);
    }

    @Test
    void stories260kExpectedOutputRoundTrips() throws Exception {
        Tokenizer tokenizer = Tokenizers.loadFile(SharedData.path("models/stories260K/tok512.bin"));
        String story = Files.readString(SharedData.path("models/stories260K/expected_greedy_t0_n256.txt")).strip();
        int[] ids = tokenizer.encode(story);
        assertThat(ids.length).isLessThan(story.length() / 2);
        assertThat(tokenizer.decode(ids)).isEqualTo(story);
        assertThat(tokenizer.piece(ids[0])).isEqualTo("\u2581Once"); // the dummy-prefix space, stripped on decode
    }

    @Test
    void llama2cExportEncodesLikeTheSentencePieceModelItCameFrom() throws Exception {
        Tokenizer fromBin = Tokenizers.loadFile(SharedData.path("tokenizers/llama2/tokenizer.bin"));
        Tokenizer fromModel = Tokenizers.loadFile(SharedData.path("tokenizers/llama2/tokenizer.model"));
        assertThat(fromBin.vocabSize()).isEqualTo(fromModel.vocabSize());
        for (int id = 0; id < fromModel.vocabSize(); id++) {
            assertThat(fromBin.piece(id)).as("piece %d", id).isEqualTo(fromModel.piece(id));
        }
        TestVectors vectors = TestVectors.llamaSpm();
        for (int i = 0; i < vectors.inputs().size(); i++) {
            assertThat(fromBin.encode(vectors.inputs().get(i))).as("vector #%d", i).containsExactly(vectors.expected().get(i));
        }
    }

    @Test
    void convertLlama2cWritesALoadableSentencePieceModel(@TempDir Path out) throws Exception {
        Path bin = SharedData.path("models/stories260K/tok512.bin");
        Tokenizer converted = Tokenizers.convertLlama2c(bin, out);
        assertThat(out.resolve("tokenizer.model")).isRegularFile();
        assertThat(Files.readString(out.resolve("tokenizer_config.json"))).contains("\"bos_token\" : \"<s>\"");
        assertThat(Files.readString(out.resolve("special_tokens_map.json"))).contains("\"eos_token\" : \"</s>\"");

        SentencePieceModel reread = SentencePieceModel.read(out.resolve("tokenizer.model"));
        assertThat(reread.modelType()).isEqualTo(SentencePieceModel.ModelType.BPE);
        assertThat(reread.byteFallback()).isTrue();
        assertThat(reread.pieces()).isEqualTo(Llama2cTokenizerFile.read(bin).pieces());
        assertThat(reread.pieces().get(0).type()).isEqualTo(PieceType.UNKNOWN);
        assertThat(reread.pieces().get(1).type()).isEqualTo(PieceType.CONTROL);
        assertThat(reread.pieces().get(3).type()).isEqualTo(PieceType.BYTE);

        Tokenizer loaded = Tokenizers.load(out);
        String text = "Once upon a time, there was a little girl named Lily. 她很开心！";
        int[] ids = converted.encode(text, true);
        assertThat(loaded.encode(text, true)).containsExactly(ids);
        assertThat(Arrays.stream(ids).anyMatch(id -> loaded.piece(id).startsWith("<0x"))).isTrue(); // Chinese via bytes
        assertThat(loaded.decode(ids)).isEqualTo(text);
    }
}
