package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LawRefBookReaderTest {

    private static ArticleReadResult corpus;
    private static long readMillis;

    @BeforeAll
    static void readCorpus() {
        long start = System.nanoTime();
        corpus = LawRefBookReader.read(SharedData.path("laws"));
        readMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("read %d articles from %d files in %d ms, %d problems%n",
                corpus.articles().size(), corpus.files().size(), readMillis, corpus.problems().size());
        corpus.problems().stream().limit(20).forEach(p -> System.out.println("  problem " + p));
    }

    private static Optional<Article> find(String law, String version, int number, int suffix) {
        return corpus.articles().stream()
                .filter(a -> a.law().equals(law) && a.number() == number && a.suffix() == suffix
                        && (version == null ? a.current() : a.version().equals(version)))
                .findFirst();
    }

    @Test
    void findsEveryArticleOfTheCorpus() {
        assertEquals(64_665, corpus.articles().size());
        assertEquals(1_512, corpus.files().size());
        assertEquals(1_429, corpus.files().stream().filter(f -> f.articles() > 0).count());
        assertEquals(List.of(), corpus.problems());
    }

    @Test
    void aLawFiledTwiceIsIndexedOnce() {
        // 广告法, 职业病防治法, 居民身份证法 and 反电信网络诈骗法 each sit, identical, in two folders;
        // the 强奸、猥亵未成年人 interpretation sits twice in 司法解释, once with 、 and once with spaces.
        List<FileStats> repeats = corpus.files().stream().filter(f -> !f.duplicateOf().isEmpty()).toList();
        assertEquals(5, repeats.size(), repeats.toString());
        assertEquals(64_665 - repeats.stream().mapToInt(FileStats::articles).sum(), corpus.uniqueArticles().size());
        Set<String> ids = new HashSet<>();
        corpus.uniqueArticles().forEach(a -> assertTrue(ids.add(a.id()), a.id()));
        assertTrue(repeats.stream().anyMatch(f -> f.law().equals("广告法")));
    }

    @Test
    void issuersSeparatedBySpacesAreWrittenWithTheEnumerationComma() {
        assertEquals("最高人民法院、最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释",
                LawRefBookReader.shortName("最高人民法院 最高人民检察院关于办理操纵证券、期货市场刑事案件适用法律若干问题的解释"));
        assertEquals("最高人民法院、最高人民检察院关于执行《刑法》确定罪名的补充规定（七）",
                LawRefBookReader.shortName("最高人民法院、最高人民检察院关于执行《刑法》 确定罪名的补充规定（七）"));
        // Two versions of one interpretation, named once with a space and once with 、, are one law.
        long versions = corpus.articles().stream()
                .filter(a -> a.law().equals("最高人民法院、最高人民检察院关于办理非法从事资金支付结算业务、非法买卖外汇刑事案件适用法律若干问题的解释")
                        && a.number() == 1)
                .map(Article::version).distinct().count();
        assertEquals(2, versions);
    }

    @Test
    void readsTheWholeCorpusInAFewSeconds() {
        assertTrue(readMillis < 10_000, "took " + readMillis + " ms");
    }

    @Test
    void articleIdsAreDerivedFromLawVersionAndNumber() {
        for (Article a : corpus.articles()) {
            assertEquals(Article.idOf(a.law(), a.version(), a.number(), a.suffix()), a.id());
        }
    }

    @Test
    void civilCodePartsFormOneLawWithTheirPartAsFirstPathElement() {
        Article deposit = find("民法典", null, 586, 0).orElseThrow();
        assertEquals("民法典:2020-05-28:586", deposit.id());
        assertEquals("中华人民共和国民法典", deposit.lawTitle());
        assertTrue(deposit.text().startsWith("当事人可以约定一方向对方给付定金"), deposit.text());
        assertTrue(deposit.text().contains("\n"), "款 are joined with newlines");
        assertEquals(List.of("合同编", "第一分编 通则", "第八章 违约责任"), deposit.path());
        assertEquals("《民法典》第五百八十六条", deposit.citation());
        assertTrue(deposit.promptText().startsWith("《民法典》第五百八十六条：当事人可以约定"));
        assertEquals(1260, corpus.articles().stream().filter(a -> a.law().equals("民法典")).count());
        assertEquals("总则", find("民法典", null, 1, 0).orElseThrow().path().get(0));
    }

    @Test
    void insertedArticlesKeepTheirSuffix() {
        Article drunkDriving = find("刑法", null, 133, 1).orElseThrow();
        assertEquals("《刑法》第一百三十三条之一", drunkDriving.citation());
        assertEquals("刑法:" + drunkDriving.version() + ":133-1", drunkDriving.id());
        assertEquals("刑法", drunkDriving.category());
    }

    @Test
    void keepsEveryVersionAndMarksTheNewestCurrent() {
        Article old = find("公司法", "2018-10-26", 1, 0).orElseThrow();
        Article current = find("公司法", "2023-12-29", 1, 0).orElseThrow();
        assertFalse(old.current());
        assertTrue(current.current());
        assertEquals(current, find("公司法", null, 1, 0).orElseThrow());
        assertEquals("民法商法", current.category());
        assertEquals("中华人民共和国公司法", current.lawTitle());
    }

    @Test
    void versionComesFromHistoryLinesWhenTheFileNameHasNone() {
        // 刑法.md has no date in its name; its last amendment is 修正案（十二） of 2023-12-29.
        assertEquals("2023-12-29", find("刑法", null, 1, 0).orElseThrow().version());
    }

    @Test
    void nestedMinistryFoldersBecomeTheCategory() {
        Article a = corpus.articles().stream().filter(x -> x.law().equals("机动车登记规定")).findFirst().orElseThrow();
        assertEquals("部门规章/公安部", a.category());
        assertEquals("2021-12-17", a.version());
    }

    @Test
    void itemLinesStayInTheArticleText() {
        Article a = find("劳动合同法", null, 17, 0).orElseThrow();
        assertTrue(a.text().contains("\n（一）"), a.text());
        assertTrue(a.path().get(0).startsWith("第二章"), a.path().toString());
    }

    @Test
    void aBrokenFileIsReportedAndTheRestIsRead(@TempDir Path dir) throws IOException {
        Path law = Files.createDirectories(dir.resolve("社会法"));
        Files.writeString(law.resolve("好法(2020-01-01).md"), """
                # 中华人民共和国好法

                2020年1月1日 通过

                <!-- INFO END -->

                ## 第一章 总则

                第一条 第一款。

                第二款。
                （一）项；
                第二条 内容。
                第十x条 坏行。
                """);
        Files.writeString(law.resolve("无头法.md"), "没有标题\n第一条 内容。\n");
        Files.writeString(law.resolve("无尾法.md"), "# 无尾法\n第一条 内容。\n");
        ArticleReadResult result = LawRefBookReader.read(dir);
        assertEquals(2, result.articles().size());
        Article first = result.articles().get(0);
        assertEquals("第一款。\n第二款。\n（一）项；", first.text());
        assertEquals(List.of("第一章 总则"), first.path());
        assertEquals(9, first.line());
        assertEquals(3, result.problems().size(), result.problems().toString());
        assertTrue(result.problems().stream().anyMatch(p -> p.file().equals("社会法/好法(2020-01-01).md") && p.line() == 14));
        assertTrue(result.problems().stream().anyMatch(p -> p.file().equals("社会法/无头法.md") && p.line() == 1));
        assertTrue(result.problems().stream().anyMatch(p -> p.file().equals("社会法/无尾法.md")));
    }
}
