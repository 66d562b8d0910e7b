package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lawyerllama.testsupport.SharedData;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LawNamesTest {

    private static LawNames corpusNames;

    @BeforeAll
    static void readCorpusNames() {
        corpusNames = LawNames.of(LawRefBookReader.read(SharedData.path("laws")).uniqueArticles());
    }

    @Test
    void cleanStripsBracketsWhitespaceAndTheCountryPrefix() {
        assertEquals("民法典", LawNames.clean("《中华人民共和国民法典》"));
        assertEquals("劳动合同法", LawNames.clean(" 《劳动 合同法》 "));
        assertEquals("最高人民法院关于适用《民事诉讼法》的解释", LawNames.clean("最高人民法院关于适用〈民事诉讼法〉的解释"));
        assertEquals("外国人在中华人民共和国收养子女登记办法", LawNames.clean("外国人在中华人民共和国收养子女登记办法"));
    }

    @Test
    void resolvesTitlesShortNamesAndAliasesToCorpusShortNames() {
        assertEquals(Optional.of("民法典"), corpusNames.resolve("《中华人民共和国民法典》"));
        assertEquals(Optional.of("民法典"), corpusNames.resolve("婚姻家庭编"));
        assertEquals(Optional.of("民事诉讼法"), corpusNames.resolve("民诉法"));
        assertEquals(Optional.of("刑事诉讼法"), corpusNames.resolve("中华人民共和国刑事诉讼法"));
        assertEquals(Optional.of("最高人民法院关于适用《民事诉讼法》的解释"),
                corpusNames.resolve("最高人民法院关于适用《中华人民共和国民事诉讼法》的解释"));
        assertEquals(Optional.of("宪法修正案（2004年）"), corpusNames.resolve("宪法修正案2004年"));
        assertEquals(Optional.of("外国人在中华人民共和国收养子女登记办法"),
                corpusNames.resolve("外国人在中华人民共和国收养子女登记办法"));
    }

    @Test
    void similarLawsStayDistinct() {
        assertEquals(Optional.of("劳动法"), corpusNames.resolve("劳动法"));
        assertEquals(Optional.of("劳动合同法"), corpusNames.resolve("劳动合同法"));
        assertEquals(Optional.of("劳动合同法实施条例"), corpusNames.resolve("中华人民共和国劳动合同法实施条例"));
    }

    @Test
    void lawsReplacedByTheCivilCodeAreNamesButNotCorpusLaws() {
        // None of them is in the collection, and their numbering is not the Code's.
        for (String old : LawNames.REPLACED_BY_CIVIL_CODE) {
            assertFalse(corpusNames.inCorpus(old), old);
            assertEquals(Optional.empty(), corpusNames.resolve(old), old);
        }
        List<LawNames.Mention> found = corpusNames.find("按照原合同法和婚姻法的规定");
        assertEquals(List.of("合同法", "婚姻法"), found.stream().map(LawNames.Mention::law).toList());
        assertFalse(found.get(0).inCorpus());
    }

    @Test
    void findsTheLongestLawNamesInFreeText() {
        String question = "公司不签劳动合同，按劳动合同法实施条例和劳动法怎么赔？另外民法典里定金怎么算？";
        assertEquals(Set.of("劳动合同法实施条例", "劳动法", "民法典"), corpusNames.lawsMentioned(question));
        LawNames.Mention first = corpusNames.find(question).get(0);
        assertEquals("劳动合同法实施条例", question.substring(first.start(), first.end()));
    }

    @Test
    void questionsWithoutLawNamesMentionNone() {
        assertEquals(Set.of(), corpusNames.lawsMentioned("我跟我老公离婚需要我娘家的户口薄吗？"));
    }

    @Test
    void everyCorpusLawResolvesByItsShortNameAndItsTitle() {
        ArticleReadResult corpus = LawRefBookReader.read(SharedData.path("laws"));
        for (Article a : corpus.uniqueArticles()) {
            if (a.number() == 1 && a.suffix() == 0) {
                assertEquals(Optional.of(a.law()), corpusNames.resolve(a.law()), a.law());
                assertEquals(Optional.of(a.law()), corpusNames.resolve(a.lawTitle()), a.lawTitle());
            }
        }
        assertTrue(corpusNames.corpusLaws().size() > 1000);
    }
}
