package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.lawyerllama.law.Article;
import com.lawyerllama.law.ArticleCatalog;
import com.lawyerllama.law.ArticleResolver;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LawNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Citation spreading over a small corpus of real statute texts, resolved by the in-memory catalogue. */
class CitedArticlesTest {

    static final Article THEFT = article("刑法", "中华人民共和国刑法", "刑法", true, 264,
            "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。");
    static final Article FRAUD = article("刑法", "中华人民共和国刑法", "刑法", true, 266,
            "诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。");
    static final Article OLD_DEPOSIT = article("担保法", "中华人民共和国担保法", "民法商法", false, 89,
            "当事人可以约定一方向对方给付定金作为债权的担保。");
    /** An interpretation citing one article of another law, one of its own and a repealed law's. */
    static final Article INTERPRETATION = article("盗窃解释", "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
            "司法解释", true, 1, "盗窃公私财物价值一千元至三千元以上的，应当认定为刑法第二百六十四条规定的“数额较大”。"
                    + "本解释第二条规定的情形除外；担保法第八十九条不适用。");
    static final Article BOTH = article("电信解释", "最高人民法院关于审理扰乱电信市场管理秩序案件具体应用法律若干问题的解释",
            "司法解释", true, 8, "盗用他人上网账号造成损失数额较大的，依照刑法第二百六十四条的规定定罪处罚；"
                    + "以非法占有为目的骗取的，依照刑法第二百六十六条的规定定罪处罚。");
    static final Article UNRELATED = article("计量法实施细则", "中华人民共和国计量法实施细则", "行政法规", true, 35,
            "在调解、仲裁及案件审理过程中，任何一方当事人均不得改变与计量纠纷有关的计量器具的技术状态。");

    static final List<Article> CORPUS = List.of(THEFT, FRAUD, OLD_DEPOSIT, INTERPRETATION, BOTH, UNRELATED);

    /** The catalogue as the resolver, counting the lookups it is asked for. */
    static final class CountingResolver implements ArticleResolver {
        final ArticleCatalog catalog = ArticleCatalog.of(CORPUS);
        final List<List<Citation>> batches = new ArrayList<>();

        @Override
        public Optional<Article> resolve(Citation citation) {
            return catalog.resolve(citation);
        }

        @Override
        public List<Optional<Article>> resolveAll(List<Citation> citations) {
            batches.add(citations);
            return ArticleResolver.super.resolveAll(citations);
        }
    }

    private final CountingResolver resolver = new CountingResolver();
    private final CitedArticles cited = new CitedArticles(new CitationParser(LawNames.of(CORPUS)), resolver);

    static Article article(String law, String title, String category, boolean current, int number, String text) {
        return Article.of(law, title, category, current ? "2024" : "1995", current, List.of(), number, 0, text, "", 0);
    }

    private static RetrievalProperties.CitationSpread spread(double weight, int sources) {
        return new RetrievalProperties.CitationSpread(weight, sources);
    }

    private static double scoreOf(List<ScoredArticle> ranked, Article a) {
        return ranked.stream().filter(s -> s.article().id().equals(a.id())).mapToDouble(ScoredArticle::score).findFirst()
                .orElse(Double.NaN);
    }

    @Test
    void aCandidateLendsItsScoreToTheArticleOfAnotherLawItCites() {
        List<ScoredArticle> ranked = List.of(new ScoredArticle(INTERPRETATION, 10), new ScoredArticle(UNRELATED, 6));
        List<ScoredArticle> spread = cited.spread(ranked, spread(1.0, 20), 0.25);
        // 刑法第二百六十四条 was not a candidate: it enters with the interpretation's whole score (its only current
        // citation of another law: 本解释第二条 is its own, 担保法第八十九条 is not current), after the candidate.
        assertThat(spread).extracting(s -> s.article().id()).containsExactly(INTERPRETATION.id(), THEFT.id(), UNRELATED.id());
        assertThat(scoreOf(spread, THEFT)).isCloseTo(10.0, within(1e-9));
        assertThat(scoreOf(spread, INTERPRETATION)).isCloseTo(10.0, within(1e-9));
    }

    @Test
    void theShareIsSplitAmongTheCitedArticlesAndAddsUpWithTheirOwnScore() {
        List<ScoredArticle> ranked = List.of(new ScoredArticle(BOTH, 8), new ScoredArticle(INTERPRETATION, 6),
                new ScoredArticle(FRAUD, 3));
        List<ScoredArticle> spread = cited.spread(ranked, spread(0.5, 20), 0.0);
        // 264 gets 0.5 × 8 / 2 from BOTH and 0.5 × 6 from INTERPRETATION; 266 its own 3 plus 0.5 × 8 / 2.
        assertThat(scoreOf(spread, THEFT)).isCloseTo(2 + 3, within(1e-9));
        assertThat(scoreOf(spread, FRAUD)).isCloseTo(3 + 2, within(1e-9));
        assertThat(spread.get(0).article()).isEqualTo(BOTH);
    }

    @Test
    void onlyTheBestSourcesLendAndWeightZeroChangesNothing() {
        List<ScoredArticle> ranked = List.of(new ScoredArticle(UNRELATED, 10), new ScoredArticle(INTERPRETATION, 9));
        assertThat(cited.spread(ranked, spread(1.0, 1), 0.0)).isEqualTo(ranked);
        assertThat(cited.spread(ranked, spread(0.0, 20), 0.0)).isEqualTo(ranked);
        assertThat(cited.spread(List.of(), spread(1.0, 20), 0.0)).isEmpty();
    }

    @Test
    void aNewcomerFarBelowTheBestIsCutAtTheFloor() {
        List<ScoredArticle> ranked = List.of(new ScoredArticle(UNRELATED, 100), new ScoredArticle(INTERPRETATION, 40));
        // 264 would receive 0.5 × 40 = 20, under 0.25 × 100.
        assertThat(cited.spread(ranked, spread(0.5, 20), 0.25)).extracting(s -> s.article().id())
                .containsExactly(UNRELATED.id(), INTERPRETATION.id());
        assertThat(cited.spread(ranked, spread(1.0, 20), 0.25)).extracting(s -> s.article().id())
                .containsExactly(UNRELATED.id(), INTERPRETATION.id(), THEFT.id());
    }

    @Test
    void citationsAreLookedUpOnceAndRemembered() {
        List<ScoredArticle> ranked = List.of(new ScoredArticle(INTERPRETATION, 10), new ScoredArticle(BOTH, 5));
        List<ScoredArticle> first = cited.spread(ranked, spread(1.0, 20), 0.25);
        List<ScoredArticle> again = cited.spread(ranked, spread(1.0, 20), 0.25);
        assertThat(again).isEqualTo(first);
        // One batch for the three distinct citations of other laws (264, 担保法 89, 266), none the second time.
        assertThat(resolver.batches).hasSize(1);
        assertThat(resolver.batches.get(0)).extracting(Citation::canonical)
                .containsExactlyInAnyOrder("《刑法》第二百六十四条", "《担保法》第八十九条", "《刑法》第二百六十六条");
    }

    @Test
    void learningTheWholeCorpusFirstLeavesNothingToLookUp() {
        List<Article> current = CORPUS.stream().filter(Article::current)
                .sorted(java.util.Comparator.comparing(Article::id)).toList();
        CitedArticles.Pages pages = (after, size) -> current.stream().filter(a -> after == null || a.id().compareTo(after) > 0)
                .limit(size).toList();
        int learned = cited.learnAll(pages, 2);
        // 刑法 264 and 266 are cited and current; 担保法 89 is cited but not current. Batches of two: two lookups.
        assertThat(learned).isEqualTo(2);
        assertThat(resolver.batches).flatExtracting(l -> l).extracting(Citation::canonical)
                .containsExactlyInAnyOrder("《刑法》第二百六十四条", "《担保法》第八十九条", "《刑法》第二百六十六条");
        assertThat(resolver.batches).hasSize(2);
        resolver.batches.clear();

        List<ScoredArticle> ranked = List.of(new ScoredArticle(BOTH, 8), new ScoredArticle(INTERPRETATION, 6),
                new ScoredArticle(FRAUD, 3));
        List<ScoredArticle> spread = cited.spread(ranked, spread(0.5, 20), 0.0);
        assertThat(resolver.batches).isEmpty();
        assertThat(spread).isEqualTo(new CitedArticles(new CitationParser(LawNames.of(CORPUS)), new CountingResolver())
                .spread(ranked, spread(0.5, 20), 0.0));
    }

    @Test
    void ofTwoCurrentVersionsTheNewerIsCitedEitherWay() {
        Article older = Article.of("刑法", "中华人民共和国刑法", "刑法", "2020", true, List.of(), 264, 0, THEFT.text(), "", 0);
        List<Article> corpus = new ArrayList<>(CORPUS);
        corpus.add(older);
        ArticleCatalog catalog = ArticleCatalog.of(corpus);
        CitationParser parser = new CitationParser(LawNames.of(corpus));
        List<ScoredArticle> ranked = List.of(new ScoredArticle(INTERPRETATION, 10));

        List<ScoredArticle> lazy = new CitedArticles(parser, catalog).spread(ranked, spread(1.0, 20), 0.0);
        CitedArticles learned = new CitedArticles(parser, catalog);
        List<Article> current = corpus.stream().filter(Article::current).sorted(java.util.Comparator.comparing(Article::id)).toList();
        learned.learnAll((after, size) -> current.stream().filter(a -> after == null || a.id().compareTo(after) > 0).limit(size).toList(),
                100);
        assertThat(lazy).extracting(s -> s.article().id()).contains(THEFT.id()).doesNotContain(older.id());
        assertThat(learned.spread(ranked, spread(1.0, 20), 0.0)).isEqualTo(lazy);
    }
}
