package com.lawyerllama.retrieval;

import com.lawyerllama.law.Article;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relevance floors and weighted reciprocal-rank fusion of the BM25 and dense rankings (the minimal
 * Elasticsearch distribution has no RRF retriever, so it is done here). Each ranking is first cut at
 * its own floor; an article's fused score is then {@code wBm25 / (c + bm25Rank) + wDense / (c + denseRank)}
 * with ranks from 1 in the cut rankings, a missing rank adding nothing. So an article passes when it
 * clears either floor, and its source says which retrievers ranked it above their floor.
 */
final class RankFusion {
    static final String BM25 = "bm25";
    static final String DENSE = "dense";
    static final String BOTH = "bm25+dense";

    private RankFusion() {
    }

    /**
     * The BM25 floor: nothing when even the best hit scores under {@code minBestScore} (a clearly
     * unrelated question), else the hits scoring at least {@code minScore} × the best. {@code ranked} is best first.
     */
    static List<ScoredArticle> aboveBm25Floor(List<ScoredArticle> ranked, double minBestScore, double minScore) {
        if (ranked.isEmpty() || ranked.get(0).score() < minBestScore) {
            return List.of();
        }
        double floor = minScore * ranked.get(0).score();
        List<ScoredArticle> kept = new ArrayList<>();
        for (ScoredArticle s : ranked) {
            if (s.score() < floor) {
                break;
            }
            kept.add(s);
        }
        return kept;
    }

    /** The dense floor: the hits whose cosine similarity to the question is at least {@code minSimilarity}. */
    static List<ScoredArticle> aboveDenseFloor(List<ScoredArticle> ranked, double minSimilarity) {
        return ranked.stream().filter(s -> s.score() >= minSimilarity).toList();
    }

    /**
     * Fuses two rankings that are already cut at their floors, best first. The score is divided by
     * its largest possible value ({@code (wBm25 + wDense) / (c + 1)}, first in both), so it lies in (0, 1].
     */
    static List<ArticleRetriever.Hit> fuse(List<ScoredArticle> bm25, List<ScoredArticle> dense,
                                           RetrievalProperties.Fusion fusion) {
        double wBm25 = fusion.bm25Weight();
        double wDense = fusion.denseWeight();
        int c = fusion.rankConstant();
        if (wBm25 < 0 || wDense < 0 || wBm25 + wDense <= 0 || c < 0) {
            throw new IllegalArgumentException("lawyer.retrieval.fusion: weights must be ≥ 0 with a positive sum, "
                    + "and rank-constant ≥ 0");
        }
        double best = (wBm25 + wDense) / (c + 1.0);
        Map<String, Candidate> byId = new LinkedHashMap<>();
        for (int i = 0; i < bm25.size(); i++) {
            Candidate candidate = byId.computeIfAbsent(bm25.get(i).article().id(), id -> new Candidate());
            candidate.article = bm25.get(i).article();
            candidate.bm25Rank = candidate.bm25Rank == 0 ? i + 1 : candidate.bm25Rank;
        }
        for (int i = 0; i < dense.size(); i++) {
            Candidate candidate = byId.computeIfAbsent(dense.get(i).article().id(), id -> new Candidate());
            candidate.article = candidate.article == null ? dense.get(i).article() : candidate.article;
            candidate.denseRank = candidate.denseRank == 0 ? i + 1 : candidate.denseRank;
        }
        List<Candidate> candidates = new ArrayList<>(byId.values());
        for (Candidate candidate : candidates) {
            double score = 0;
            if (candidate.bm25Rank > 0) {
                score += wBm25 / (c + candidate.bm25Rank);
            }
            if (candidate.denseRank > 0) {
                score += wDense / (c + candidate.denseRank);
            }
            candidate.score = score / best;
        }
        candidates.sort(Comparator.comparingDouble((Candidate x) -> -x.score)
                .thenComparingInt(Candidate::bestRank)
                .thenComparing(x -> x.article.id()));
        List<ArticleRetriever.Hit> hits = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            String source = candidate.bm25Rank > 0 && candidate.denseRank > 0 ? BOTH : candidate.bm25Rank > 0 ? BM25 : DENSE;
            hits.add(new ArticleRetriever.Hit(candidate.article, candidate.score, source));
        }
        return hits;
    }

    private static final class Candidate {
        Article article;
        int bm25Rank;
        int denseRank;
        double score;

        int bestRank() {
            return Math.min(bm25Rank == 0 ? Integer.MAX_VALUE : bm25Rank, denseRank == 0 ? Integer.MAX_VALUE : denseRank);
        }
    }
}
