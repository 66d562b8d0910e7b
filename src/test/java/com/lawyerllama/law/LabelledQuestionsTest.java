package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelledQuestionsTest {

    private final CitationParser parser = new CitationParser(LawNames.of(Fixtures.laws()));

    @Test
    void readsLawyerLlamaItemsWithOneGoldReferencePerLawsEntry() {
        List<LabelledQuestions.LabelledQuestion> questions =
                LabelledQuestions.read(SharedData.path("lawyer-llama/zixun_gpt4.json"), parser);
        LabelledQuestions.LabelledQuestion first = questions.get(0);
        assertEquals("我跟我老公离婚需要我娘家的户口薄吗？", first.question());
        assertEquals(List.of("《民法典》第一千零七十六条", "《民法典》第一千零七十八条", "《民法典》第一千零八十条"),
                first.goldCitations().stream().map(Citation::canonical).toList());
        assertTrue(first.gold().get(0).label().startsWith("《民法典》第一千零七十六条：夫妻双方自愿离婚的"));
        assertEquals(List.of(), first.history());
    }

    @Test
    void keepsTheHistoryOfMultiTurnDialogues() {
        LabelledQuestions.LabelledQuestion first = LabelledQuestions.read(
                SharedData.path("lawyer-llama/legal_counsel_multi_turn_with_article_v2.json"), parser).get(0);
        assertTrue(first.history().get(0).startsWith("[客户] "));
        assertTrue(first.history().get(1).startsWith("[律师] "));
        assertEquals(3, first.gold().size());
    }

    @Test
    void readsLawBenchScenariosWithTheAnswersFirstCitationAsGold() {
        List<LabelledQuestions.LabelledQuestion> questions = LabelledQuestions.read(SharedData.path("lawbench/3-2.json"),
                new CitationParser(LawNames.of(LawRefBookReader.read(SharedData.path("laws")).uniqueArticles())));
        assertEquals(500, questions.size());
        LabelledQuestions.LabelledQuestion first = questions.get(0);
        assertTrue(first.question().startsWith("场景:"));
        assertEquals(List.of("《农民专业合作社法》第五十六条"), first.goldCitations().stream().map(Citation::canonical).toList());
    }

    @Test
    void aLabelWithoutCitationIsKeptWithoutOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("set.json");
        Files.writeString(file, "[{\"instruction\":\"i\",\"question\":\"q\",\"answer\":\"根据有关规定，不可以。\"}]");
        LabelledQuestions.GoldReference gold = LabelledQuestions.read(file, parser).get(0).gold().get(0);
        assertEquals("根据有关规定，不可以。", gold.label());
        assertNull(gold.citation());
    }

    @Test
    void rejectsFilesInNeitherFormat(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("other.json");
        Files.writeString(file, "[{\"instruction\":\"i\",\"response\":\"a\"}]");
        assertThrows(IllegalArgumentException.class, () -> LabelledQuestions.read(file, parser));
    }

    @Test
    void referenceAnswersGiveEveryDistinctArticleTheyCiteAsGold(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("answers.json");
        Files.writeString(file, """
                [[{"instruction": "捡到手机转走钱算什么罪", "input": "", "output": "依照《刑法》第二百六十四条、第六十七条，构成盗窃罪；《刑法》第264条规定……"}],
                 {"input": "公司拖欠工资怎么办？", "output": "可以协商解决。", "type": "x"}]
                """);
        List<LabelledQuestions.LabelledQuestion> questions = LabelledQuestions.read(file, parser);
        assertEquals("捡到手机转走钱算什么罪", questions.get(0).question());
        assertEquals(List.of("《刑法》第二百六十四条", "《刑法》第六十七条"),
                questions.get(0).goldCitations().stream().map(Citation::canonical).toList());
        assertEquals("公司拖欠工资怎么办？", questions.get(1).question());
        assertEquals(List.of(), questions.get(1).gold());
    }

    @Test
    void lawBenchsShorthandForSeveralArticlesIsExpanded() {
        assertEquals("刑法第266条、第385条、第383条。", LabelledQuestions.expandNumberLists("刑法第266、385、383条。"));
        assertEquals("刑法第264条。", LabelledQuestions.expandNumberLists("刑法第264条。"));
    }

    @Test
    void criminalFactsAreTheQuestionAndTheArticlesAfterFaTiaoTheGold() {
        LabelledQuestions.LabelledQuestion first = LabelledQuestions.read(SharedData.path("lawbench/3-5.json"),
                new CitationParser(LawNames.of(LawRefBookReader.read(SharedData.path("laws")).uniqueArticles()))).get(0);
        assertTrue(first.question().startsWith("公诉机关指控：2016年3月28日20时许"), first.question());
        assertTrue(first.question().endsWith("并处罚金。"), first.question());
        assertEquals(List.of("《刑法》第二百六十四条"), first.goldCitations().stream().map(Citation::canonical).toList());
    }
}
