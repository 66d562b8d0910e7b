package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.lawyerllama.law.Article;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Floors and weighted reciprocal-rank fusion of the BM25 and dense rankings. */
class RankFusionTest {
    private static final RetrievalProperties.Fusion EQUAL = new RetrievalProperties.Fusion(1.0, 1.0, 60);

    private static ScoredArticle scored(String id, double score) {
        return new ScoredArticle(new Article(id, "测试法", "中华人民共和国测试法", "民法商法", "2020-01-01", true, List.of(),
                1, 0, "text of " + id, "测试法.md", 1), score);
    }

    @Test
    void fusedScoreIsTheWeightedSumOfReciprocalRanksOverTheBestPossible() {
        List<ArticleRetriever.Hit> hits = RankFusion.fuse(
                List.of(scored("a", 20), scored("b", 15), scored("c", 10)),
                List.of(scored("c", 0.9), scored("d", 0.8), scored("a", 0.7)),
                new RetrievalProperties.Fusion(2.0, 1.0, 10));
        double best = 3.0 / 11;
        // a: 2/(10+1) + 1/(10+3); c: 2/(10+3) + 1/(10+1); b: 2/(10+2); d: 1/(10+2)
        assertThat(hits).extracting(h -> h.article().id()).containsExactly("a", "c", "b", "d");
        assertThat(hits.get(0).score()).isCloseTo((2.0 / 11 + 1.0 / 13) / best, within(1e-12));
        assertThat(hits.get(1).score()).isCloseTo((2.0 / 13 + 1.0 / 11) / best, within(1e-12));
        assertThat(hits.get(2).score()).isCloseTo((2.0 / 12) / best, within(1e-12));
        assertThat(hits.get(3).score()).isCloseTo((1.0 / 12) / best, within(1e-12));
    }

    @Test
    void sourceSaysWhichRetrieversRankedTheArticle() {
        List<ArticleRetriever.Hit> hits = RankFusion.fuse(List.of(scored("a", 9), scored("b", 8)),
                List.of(scored("b", 0.8), scored("c", 0.7)), EQUAL);
        assertThat(hits).extracting(h -> h.article().id() + ":" + h.source())
                .containsExactly("b:bm25+dense", "a:bm25", "c:dense");
    }

    @Test
    void firstInBothScoresOneAndTiesGoToTheBetterSingleRank() {
        List<ArticleRetriever.Hit> hits = RankFusion.fuse(List.of(scored("a", 9), scored("x", 8)),
                List.of(scored("a", 0.9), scored("y", 0.8), scored("x", 0.7)), EQUAL);
        assertThat(hits.get(0).score()).isCloseTo(1.0, within(1e-12));
        // x: 1/62 + 1/63; y: 1/62 only
        assertThat(hits).extracting(h -> h.article().id()).containsExactly("a", "x", "y");
        List<ArticleRetriever.Hit> tie = RankFusion.fuse(List.of(scored("p", 9), scored("q", 8)),
                List.of(scored("q", 0.9), scored("p", 0.8)), EQUAL);
        assertThat(tie.get(0).score()).isEqualTo(tie.get(1).score());
        assertThat(tie).extracting(h -> h.article().id()).containsExactly("p", "q");
    }

    @Test
    void oneEmptyRankingLeavesTheOtherOrder() {
        List<ScoredArticle> dense = List.of(scored("d1", 0.9), scored("d2", 0.6));
        assertThat(RankFusion.fuse(List.of(), dense, EQUAL)).extracting(h -> h.article().id() + ":" + h.source())
                .containsExactly("d1:dense", "d2:dense");
        assertThat(RankFusion.fuse(List.of(), List.of(), EQUAL)).isEmpty();
    }

    @Test
    void bm25FloorDropsEverythingWhenTheBestIsWeakElseWhatFallsFarBelowIt() {
        List<ScoredArticle> ranked = List.of(scored("a", 20), scored("b", 6), scored("c", 4.9), scored("d", 1));
        assertThat(RankFusion.aboveBm25Floor(ranked, 5.0, 0.25)).extracting(s -> s.article().id())
                .containsExactly("a", "b");
        assertThat(RankFusion.aboveBm25Floor(List.of(scored("a", 4.9), scored("b", 4)), 5.0, 0.25)).isEmpty();
        assertThat(RankFusion.aboveBm25Floor(List.of(), 5.0, 0.25)).isEmpty();
    }

    @Test
    void denseFloorIsAMinimumCosine() {
        List<ScoredArticle> ranked = List.of(scored("a", 0.8), scored("b", 0.5), scored("c", 0.49), scored("d", -0.2));
        assertThat(RankFusion.aboveDenseFloor(ranked, 0.5)).extracting(s -> s.article().id()).containsExactly("a", "b");
    }

    @Test
    void anArticleBelowOneFloorStillPassesOnTheOther() {
        // BM25 thinks nothing is relevant (best under 5); the dense retriever is sure of "b".
        List<ScoredArticle> bm25 = RankFusion.aboveBm25Floor(List.of(scored("a", 4.0), scored("b", 3.0)), 5.0, 0.25);
        List<ScoredArticle> dense = RankFusion.aboveDenseFloor(List.of(scored("b", 0.81), scored("a", 0.3)), 0.5);
        assertThat(RankFusion.fuse(bm25, dense, EQUAL)).extracting(h -> h.article().id() + ":" + h.source())
                .containsExactly("b:dense");
    }

    @Test
    void weightsMustBeUsable() {
        assertThatThrownBy(() -> RankFusion.fuse(List.of(), List.of(), new RetrievalProperties.Fusion(0, 0, 60)))
                .hasMessageContaining("lawyer.retrieval.fusion");
        assertThatThrownBy(() -> RankFusion.fuse(List.of(), List.of(), new RetrievalProperties.Fusion(-1, 1, 60)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
