package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NgramVocabularyTest {

    @Test
    void unitsAreCharactersWordsAndAdjacentPairsThatPunctuationBreaks() {
        assertThat(NgramVocabulary.grams("离婚后孩子")).containsExactly("离", "婚", "离婚", "后", "婚后", "孩", "后孩", "子", "孩子");
        assertThat(NgramVocabulary.grams("借了5000元，LPR利率")).containsExactly(
                "借", "了", "借了", "5000", "了5000", "元", "5000元", "lpr", "利", "lpr利", "率", "利率");
        assertThat(NgramVocabulary.grams("。！ ")).isEmpty();
    }

    @Test
    void keepsFrequentUnitsDropsTheRestAndRoundTrips(@TempDir Path dir) throws Exception {
        NgramVocabulary v = NgramVocabulary.build(List.of("离婚纠纷", "离婚协议", "合同"), 2, 100);
        // 离, 婚, 离婚 occur twice; everything else once.
        assertThat(v.size()).isEqualTo(4);
        assertThat(v.encode("协议离婚", 10)).hasSize(3);
        assertThat(v.encode("协议离婚", 2)).hasSize(2);
        v.save(dir);
        NgramVocabulary back = NgramVocabulary.load(dir);
        assertThat(back.encode("离婚", 10)).containsExactly(v.encode("离婚", 10));
    }
}
