package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArticleCatalogTest {

    private final ArticleCatalog catalog = ArticleCatalog.of(Fixtures.laws());

    @Test
    void resolvesToTheCurrentVersion() {
        Article a = catalog.resolve(Citation.of("公司法", 146, 0, null)).orElseThrow();
        assertEquals("2023-12-29", a.version());
        assertTrue(a.current());
    }

    @Test
    void fallsBackToTheNewestVersionThatHasTheArticle() {
        List<Article> articles = ArticleReadResult.markCurrentVersions(List.of(
                Fixtures.article("某法", "某法", "2010-01-01", 90, 0, "旧"),
                Fixtures.article("某法", "某法", "2015-01-01", 90, 0, "中"),
                Fixtures.article("某法", "某法", "2020-01-01", 1, 0, "新")));
        ArticleCatalog c = ArticleCatalog.of(articles);
        assertEquals("中", c.find("某法", 90, 0).orElseThrow().text());
        assertEquals(List.of("中", "旧"), c.versions("某法", 90, 0).stream().map(Article::text).toList());
    }

    @Test
    void looksUpAGivenVersionAndById() {
        Article old = catalog.find("公司法", "2018-10-26", 146, 0).orElseThrow();
        assertTrue(old.text().startsWith("有下列情形之一的"));
        assertEquals(Optional.of(old), catalog.byId("公司法:2018-10-26:146"));
        assertEquals(2, catalog.versions("公司法", 146, 0).size());
    }

    @Test
    void aQuotedLabelPicksTheVersionItQuotes() {
        Citation c = Citation.of("公司法", 146, 0, null);
        assertEquals("2018-10-26", catalog.resolve(c, "有下列情形之一的，不得担任公司的董事、监事、高级管理人员").orElseThrow().version());
        assertEquals("2023-12-29", catalog.resolve(c, "公司向股东签发出资证明书").orElseThrow().version());
        assertEquals("2023-12-29", catalog.resolve(c, "").orElseThrow().version());
    }

    @Test
    void insertedArticlesAreDistinctFromTheirBase() {
        assertTrue(catalog.resolve(Citation.of("刑法", 133, 1, null)).isPresent());
        assertTrue(catalog.resolve(Citation.of("刑法", 133, 0, null)).isEmpty());
    }

    @Test
    void batchResolutionAnswersInOrder() {
        List<Optional<Article>> answers = catalog.resolveAll(List.of(
                Citation.of("民法典", 586, 0, 2), Citation.of("合同法", 52, 0, null), Citation.of("刑法", 264, 0, null)));
        assertEquals(586, answers.get(0).orElseThrow().number());
        assertTrue(answers.get(1).isEmpty());
        assertEquals(264, answers.get(2).orElseThrow().number());
    }

    @Test
    void anArticleFiledTwiceIsHeldOnce() {
        Article a = Fixtures.article("广告法", "中华人民共和国广告法", "2021-04-29", 1, 0, "为了规范广告活动……");
        assertEquals(1, ArticleCatalog.of(List.of(a, a)).size());
    }
}
