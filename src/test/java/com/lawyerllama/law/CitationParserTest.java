package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class CitationParserTest {

    private final CitationParser parser = new CitationParser(LawNames.of(Fixtures.laws()));

    private List<String> canonical(String text) {
        return parser.parse(text).stream().map(Citation::canonicalWithParagraph).toList();
    }

    @Test
    void readsBracketedTitlesWithTheCountryPrefix() {
        String text = "依照《中华人民共和国民法典》第五百八十六条，定金合同自实际交付定金时成立。";
        Citation c = parser.parse(text).get(0);
        assertEquals("《中华人民共和国民法典》第五百八十六条", c.text());
        assertEquals(text.indexOf('《'), c.start());
        assertEquals(c.text(), text.substring(c.start(), c.end()));
        assertEquals("民法典", c.law());
        assertEquals(586, c.number());
        assertEquals(0, c.suffix());
        assertNull(c.paragraph());
        assertEquals("《民法典》第五百八十六条", c.canonical());
    }

    @Test
    void aCitationWhoseNumberCannotBeReadIsReportedAsMalformed() {
        CitationParser.Parsed parsed = parser.parseWithMalformed(
                "依照《民法典》第一千零七十九二条可以离婚，《刑法》第零条，见《民法典》第一千零七十九条。第十二三条无法名。");
        assertEquals(List.of("《民法典》第一千零七十九条"), parsed.citations().stream().map(Citation::canonical).toList());
        assertEquals(List.of("《民法典》第一千零七十九二条", "《刑法》第零条"),
                parsed.malformed().stream().map(CitationParser.Malformed::text).toList());
        assertEquals("民法典", parsed.malformed().get(0).law());
        // parse() itself still returns only the well-formed ones.
        assertEquals(1, parser.parse("《民法典》第一千零七十九二条，《民法典》第一千零七十九条").size());
    }

    @Test
    void readsArabicNumeralsAndInsertedArticles() {
        assertEquals(List.of("《民法典》第五百八十六条"), canonical("《民法典》第586条"));
        assertEquals(List.of("《刑法》第二百六十四条之一"), canonical("《刑法》第二百六十四条之一规定"));
        assertEquals(List.of("《刑法》第一百三十三条之一"), canonical("刑法第133条之一"));
    }

    @Test
    void readsUnbracketedKnownNamesAndKeepsTheParagraph() {
        Citation c = parser.parse("民法典第五百八十六条第二款规定").get(0);
        assertEquals("民法典第五百八十六条第二款", c.text());
        assertEquals(2, c.paragraph());
        assertEquals("《民法典》第五百八十六条第二款", c.canonicalWithParagraph());
        assertEquals("《民法典》第五百八十六条", c.canonical());
        assertEquals(List.of("《刑法》第二百六十四条"), canonical("根据刑法第264条"));
    }

    @Test
    void aListSharesTheLawNamedBeforeIt() {
        assertEquals(List.of("《民法典》第五百八十六条", "《民法典》第五百八十七条"),
                canonical("《民法典》第五百八十六条、第五百八十七条"));
        assertEquals(List.of("《民法典》第五百八十六条", "《民法典》第五百八十七条"),
                canonical("《民法典》第五百八十六条和第五百八十七条"));
        Citation second = parser.parse("《民法典》第五百八十六条和第五百八十七条").get(1);
        assertEquals("第五百八十七条", second.text());
    }

    @Test
    void aRangeGivesItsTwoEndpoints() {
        assertEquals(List.of("《民法典》第五百八十六条", "《民法典》第五百八十八条"),
                canonical("《民法典》第五百八十六条至第五百八十八条"));
    }

    @Test
    void thisLawRefersBackToTheLastNamedLaw() {
        assertEquals(List.of("《公司法》第一百四十六条", "《公司法》第二百六十六条"),
                canonical("根据《公司法》的规定，董事……依照该法第一百四十六条处理；本法第266条另有规定"));
        assertEquals(List.of("《劳动合同法》第十条"), canonical("《劳动合同法》对此有规定，该法第十条要求订立书面合同"));
    }

    @Test
    void aBareArticleAfterProseIsNotACitation() {
        assertEquals(List.of(), canonical("第十条规定，应当订立书面合同。"));
        assertEquals(List.of("《民法典》第五百八十六条"), canonical("《民法典》第五百八十六条规定了定金。另外第十条规定"));
    }

    @Test
    void categoryPrefixesAndPossessivesBeforeTheNameAreSkipped() {
        assertEquals(List.of("《劳动法》第十五条"), canonical("根据社会法类中的劳动法的第十五条，禁止招用童工"));
        assertEquals(List.of("《民法典》第五百八十六条"), canonical("根据民法典类中的合同编的第五百八十六条"));
        assertEquals(List.of("《处方药与非处方药分类管理办法（试行）》第四条"),
                canonical("根据《市场监督管理总局类中的处方药与非处方药分类管理办法试行》的第四条规定"));
    }

    @Test
    void similarNamesStayDistinct() {
        assertEquals(List.of("《劳动合同法》第十条", "《劳动法》第十五条"), canonical("劳动合同法第十条和劳动法第十五条"));
    }

    @Test
    void judicialInterpretationTitlesWithNestedBracketsResolve() {
        assertEquals(List.of("《最高人民法院关于适用《民事诉讼法》的解释》第一条"),
                canonical("《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第一条"));
        assertEquals(List.of("《最高人民法院关于适用《民事诉讼法》的解释》第一条"), canonical("民诉法解释第一条"));
    }

    @Test
    void unknownBracketedLawsAreKeptCleaned() {
        Citation c = parser.parse("《中华人民共和国合同法》第五十二条").get(0);
        assertEquals("合同法", c.law());
    }

    @Test
    void citationsRoundTripThroughTheirCanonicalForm() {
        for (Citation c : parser.parse("《民法典》第586条、《刑法》第133条之一和劳动法第十五条第二款")) {
            Citation again = parser.parse(c.canonicalWithParagraph()).get(0);
            assertEquals(List.of(c.law(), c.number(), c.suffix()), List.of(again.law(), again.number(), again.suffix()));
            assertEquals(c.paragraph(), again.paragraph());
            assertEquals(Citation.of(c.law(), c.number(), c.suffix(), c.paragraph()).text(), c.canonicalWithParagraph());
        }
    }
}
