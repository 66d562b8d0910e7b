package com.lawyerllama.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.lawyerllama.consult.ConsultResponse.CitationCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each citation of hand-written answers lands in exactly one class. */
class AnswerCitationCountsTest {

    @Test
    void countsEachClassOnce() {
        List<String> gold = List.of("《民法典》第一千零七十九条", "《民法典》第一千零八十七条");
        // Answer 1: a gold article that was provided, a provided non-gold one, a real one from memory,
        // one that does not exist and one with an unreadable number.
        List<CitationCheck> first = List.of(
                new CitationCheck("《民法典》第一千零七十九条", "民法典", "第一千零七十九条", "id1079", true, true),
                new CitationCheck("《民法典》第一千零四十二条", "民法典", "第一千零四十二条", "id1042", true, true),
                new CitationCheck("《刑法》第二百六十四条", "刑法", "第二百六十四条", "id264", true, false),
                new CitationCheck("《婚姻法》第三十二条", "婚姻法", "第三十二条", null, false, false),
                CitationCheck.malformed("《民法典》第一千零七十九二条", "民法典", "article number '一千零七十九二' is not a valid number"));
        // Answer 2: a gold article the model was not given is still supported. Answer 3: no citation.
        List<CitationCheck> second = List.of(
                new CitationCheck("《民法典》第一千零八十七条", "民法典", "第一千零八十七条", "id1087", true, false));
        AnswerCitationCounts counts = AnswerCitationCounts.empty()
                .add(first, gold, "可以起诉离婚。", "可以向法院起诉离婚。")
                .add(second, gold, "财产协商分割。", "财产由双方协议处理")
                .add(List.of(), gold, "", "建议咨询律师。");
        assertEquals(3, counts.answers());
        assertEquals(6, counts.citations());
        assertEquals(2, counts.supported());
        assertEquals(1, counts.redundant());
        assertEquals(1, counts.fromMemory());
        assertEquals(1, counts.fabricated());
        assertEquals(1, counts.wrong());
        assertEquals(1.0 / 3, counts.withoutCitationShare(), 1e-12);
        // 可以起诉离婚 (6 chars) in 可以向法院起诉离婚 (9): LCS 6, P 1, R 2/3, F1 0.8.
        assertEquals(2 * 1.0 * (6.0 / 9) / (1 + 6.0 / 9), AnswerCitationCounts.rougeL("可以起诉离婚", "可以向法院起诉离婚"), 1e-12);
        assertEquals(0, AnswerCitationCounts.rougeL("", "x"));
    }
}
