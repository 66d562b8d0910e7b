package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Citations in an answer checked against the whole statute index in the real Elasticsearch. */
@IntegrationTest
class CitationCheckerTest {

    @Autowired
    CitationChecker checker;

    @Autowired
    CorpusImporter importer;

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
    }

    @Test
    void everyCitationIsReportedVerifiedOnlyWhenItExistsAndProvidedOnlyWhenGiven() {
        List<ConsultResponse.ArticleRef> provided = List.of(
                new ConsultResponse.ArticleRef("民法典:2020-05-28:587", "民法典", "第五百八十七条", "债务人按照约定履行债务的…", 12.0));
        String answer = "根据《中华人民共和国民法典》第五百八十七条，收受定金的一方不履行债务的，应当双倍返还定金。"
                + "另见《民法典》第586条和第五百八十八条。《民法典》第九千条并不存在，《合同法》第一百一十五条已废止。";
        List<ConsultResponse.CitationCheck> checks = checker.check(answer, provided);

        assertThat(checks).extracting(ConsultResponse.CitationCheck::article).containsExactly(
                "第五百八十七条", "第五百八十六条", "第五百八十八条", "第九千条", "第一百一十五条");
        assertThat(checks.get(0).verified()).isTrue();
        assertThat(checks.get(0).provided()).isTrue();
        assertThat(checks.get(0).articleId()).isEqualTo("民法典:2020-05-28:587");
        assertThat(checks.get(1).verified()).isTrue();
        assertThat(checks.get(1).provided()).isFalse();
        assertThat(checks.get(2).law()).isEqualTo("民法典");
        assertThat(checks.get(2).verified()).isTrue();
        // Unresolvable citations are kept and flagged, never dropped or shown as verified.
        assertThat(checks.get(3).verified()).isFalse();
        assertThat(checks.get(3).articleId()).isNull();
        assertThat(checks.get(4).law()).isEqualTo("合同法");
        assertThat(checks.get(4).verified()).isFalse();
    }

    @Test
    void eachCitationHasItsStateAndMalformedNumbersAreReportedNotSkipped() {
        List<ConsultResponse.ArticleRef> provided = List.of(
                new ConsultResponse.ArticleRef("民法典:2020-05-28:587", "民法典", "第五百八十七条", "债务人按照约定履行债务的…", 12.0));
        String answer = "《民法典》第五百八十七条规定了定金罚则，《民法典》第五百八十六条规定了定金合同；"
                + "离婚见《民法典》第一千零七十九二条，另见《民法典》第九千条。";
        List<ConsultResponse.CitationCheck> checks = checker.check(answer, provided);
        assertThat(checks).extracting(ConsultResponse.CitationCheck::text).containsExactly(
                "《民法典》第五百八十七条", "《民法典》第五百八十六条", "《民法典》第一千零七十九二条", "《民法典》第九千条");
        assertThat(checks).extracting(ConsultResponse.CitationCheck::status).containsExactly(
                "provided", "from-memory", "malformed", "not-found");
        assertThat(checks.get(1).verified()).isTrue();
        assertThat(checks.get(1).reason()).contains("not given");
        assertThat(checks.get(2).verified()).isFalse();
        assertThat(checks.get(2).reason()).contains("一千零七十九二");
    }

    @Test
    void anAnswerWithoutCitationsHasNone() {
        assertThat(checker.check("这个问题需要结合具体情况判断。", List.of())).isEmpty();
    }
}
