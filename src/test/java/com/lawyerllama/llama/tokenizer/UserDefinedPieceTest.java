package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserDefinedPieceTest {

    @Test
    void userDefinedPiecesAreMatchedWholeAndNeverMergedAcross() {
        SentencePieceModel llama = SentencePieceTokenizerTest.llama2().model();
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(llama.pieces());
        pieces.add(new SentencePieceModel.Piece("《民法典》", 0f, PieceType.USER_DEFINED));
        pieces.add(new SentencePieceModel.Piece("<law>", 0f, PieceType.USER_DEFINED));
        SentencePieceModel model = new SentencePieceModel(pieces, llama.modelType(), llama.byteFallback(),
                llama.unkId(), llama.bosId(), llama.eosId(), llama.padId(), llama.unkSurface(), llama.normalizer());
        SentencePieceTokenizer tokenizer = new SentencePieceTokenizer(model);
        SentencePieceTokenizer plain = new SentencePieceTokenizer(llama);

        int[] ids = tokenizer.encode("依据《民法典》第五条<law>");
        assertThat(ids).contains(32000, 32001);
        assertThat(plain.encode("依据《民法典》第五条<law>")).doesNotContain(32000, 32001);
        assertThat(tokenizer.decode(ids)).isEqualTo("依据《民法典》第五条<law>");
        // the text around a user-defined piece encodes as it would on its own
        int[] before = plain.encode("依据");
        assertThat(java.util.Arrays.copyOf(ids, before.length)).containsExactly(before);
        assertThat(ids[before.length]).isEqualTo(32000);
    }
}
