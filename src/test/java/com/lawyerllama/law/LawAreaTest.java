package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class LawAreaTest {

    private static Article article(String law, String category, int number) {
        return Article.of(law, law, category, "", true, List.of(), number, 0, "text", category + "/" + law + ".md", 1);
    }

    @Test
    void theCivilCodeIsSplitByItsPartsArticleNumbers() {
        assertEquals(LawArea.CIVIL_GENERAL, LawArea.of(article("民法典", "民法典", 1)));
        assertEquals(LawArea.CIVIL_GENERAL, LawArea.of(article("民法典", "民法典", 204)));
        assertEquals(LawArea.CIVIL_PROPERTY, LawArea.of(article("民法典", "民法典", 205)));
        assertEquals(LawArea.CIVIL_CONTRACT, LawArea.of(article("民法典", "民法典", 586)));
        assertEquals(LawArea.CIVIL_PERSONALITY, LawArea.of(article("民法典", "民法典", 1024)));
        assertEquals(LawArea.CIVIL_MARRIAGE, LawArea.of(article("民法典", "民法典", 1079)));
        assertEquals(LawArea.CIVIL_SUCCESSION, LawArea.of(article("民法典", "民法典", 1127)));
        assertEquals(LawArea.CIVIL_TORT, LawArea.of(article("民法典", "民法典", 1165)));
        assertEquals(LawArea.CIVIL_GENERAL, LawArea.of(article("民法典", "民法典", 1260)));   // 附则
    }

    @Test
    void otherLawsGoByCategoryAndName() {
        assertEquals(LawArea.CRIMINAL, LawArea.of(article("刑法", "刑法", 264)));
        assertEquals(LawArea.LABOUR, LawArea.of(article("劳动合同法", "社会法", 39)));
        assertEquals(LawArea.LABOUR, LawArea.of(article("工伤保险条例", "行政法规", 14)));
        assertEquals(LawArea.OTHER, LawArea.of(article("残疾人保障法", "社会法", 3)));
        assertEquals(LawArea.INTELLECTUAL_PROPERTY, LawArea.of(article("著作权法", "民法商法", 10)));
        assertEquals(LawArea.INTELLECTUAL_PROPERTY, LawArea.of(article("反不正当竞争法", "经济法", 6)));
        assertEquals(LawArea.COMMERCIAL, LawArea.of(article("公司法", "民法商法", 3)));
        assertEquals(LawArea.COMMERCIAL, LawArea.of(article("产品质量法", "经济法", 3)));
        assertEquals(LawArea.PROCEDURE, LawArea.of(article("刑事诉讼法", "诉讼与非诉讼程序法", 3)));
        assertEquals(LawArea.ADMINISTRATIVE, LawArea.of(article("治安管理处罚法", "行政法", 3)));
        assertEquals(LawArea.ADMINISTRATIVE, LawArea.of(article("公安机关办理刑事案件程序规定", "部门规章/公安部", 3)));
        assertEquals(LawArea.OTHER, LawArea.of(article("宪法", "宪法", 3)));
    }

    @Test
    void judicialInterpretationsAreTheirOwnAreaWhateverTheyInterpret() {
        assertEquals(LawArea.JUDICIAL_INTERPRETATION,
                LawArea.of(article("最高人民法院关于审理劳动争议案件适用法律问题的解释（一）", "司法解释", 5)));
    }

    @Test
    void aQuestionTakesTheAreaOfMostOfItsArticlesTheFirstOnATie() {
        Article theft = article("刑法", "刑法", 264);
        Article surrender = article("刑法", "刑法", 67);
        Article divorce = article("民法典", "民法典", 1079);
        assertEquals(LawArea.CRIMINAL, LawArea.ofAll(List.of(divorce, theft, surrender)));
        assertEquals(LawArea.CIVIL_MARRIAGE, LawArea.ofAll(List.of(divorce, theft)));
        assertNull(LawArea.ofAll(List.of()));
    }
}
