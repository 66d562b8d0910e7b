package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlArticleReaderTest {

    @TempDir
    Path dir;

    private ArticleReadResult read(String... lines) throws IOException {
        Path file = dir.resolve("articles.jsonl");
        Files.write(file, List.of(lines));
        return JsonlArticleReader.read(file);
    }

    @Test
    void readsAllFieldsOfALine() throws IOException {
        ArticleReadResult result = read("""
                {"law":"民法典","title":"中华人民共和国民法典","version":"2020-05-28","category":"民法典","path":["合同编","第八章 违约责任"],"article":"第五百八十六条","text":"当事人可以约定一方向对方给付定金作为债权的担保。\\n定金的数额由当事人约定。"}""");
        assertEquals(List.of(), result.problems());
        Article a = result.articles().get(0);
        assertEquals("民法典:2020-05-28:586", a.id());
        assertEquals("中华人民共和国民法典", a.lawTitle());
        assertEquals(List.of("合同编", "第八章 违约责任"), a.path());
        assertEquals("当事人可以约定一方向对方给付定金作为债权的担保。\n定金的数额由当事人约定。", a.text());
        assertEquals(1, a.line());
        assertTrue(a.current());
    }

    @Test
    void acceptsArticleNumbersInEveryForm() throws IOException {
        ArticleReadResult result = read(
                "{\"law\":\"《中华人民共和国刑法》\",\"article\":\"第一百三十三条之一\",\"text\":\"a\"}",
                "{\"law\":\"刑法\",\"article\":264,\"text\":\"b\"}",
                "{\"law\":\"刑法\",\"article\":\"第265条\",\"text\":\"c\"}",
                "{\"law\":\"刑法\",\"article\":\"266\",\"text\":\"d\"}");
        assertEquals(List.of(), result.problems());
        assertEquals(List.of("刑法::133-1", "刑法::264", "刑法::265", "刑法::266"),
                result.articles().stream().map(Article::id).toList());
        assertEquals("中华人民共和国刑法", result.articles().get(0).lawTitle());
    }

    @Test
    void badLinesAreReportedWithTheirNumberAndTheRestIsRead() throws IOException {
        ArticleReadResult result = read(
                "{\"law\":\"刑法\",\"article\":1,\"text\":\"ok\"}",
                "not json",
                "",
                "{\"law\":\"刑法\",\"text\":\"no article\"}",
                "{\"law\":\"刑法\",\"article\":\"第x条\",\"text\":\"bad\"}",
                "{\"law\":\"刑法\",\"article\":2,\"text\":\"  \"}",
                "{\"law\":\"刑法\",\"article\":3,\"version\":\"2020\",\"text\":\"bad version\"}",
                "{\"law\":\"刑法\",\"article\":1,\"text\":\"again\"}",
                "{\"law\":\"刑法\",\"article\":4,\"text\":\"ok\"}");
        assertEquals(List.of(1, 9), result.articles().stream().map(Article::line).toList());
        assertEquals(List.of(2, 4, 5, 6, 7, 8), result.problems().stream().map(ReadProblem::line).toList());
        assertTrue(result.problems().get(1).reason().contains("article"), result.problems().get(1).reason());
        assertEquals(2, result.files().get(0).articles());
        assertEquals(6, result.files().get(0).problems());
    }

    @Test
    void theNewestVersionIsCurrent() throws IOException {
        ArticleReadResult result = read(
                "{\"law\":\"公司法\",\"version\":\"2018-10-26\",\"article\":1,\"text\":\"old\"}",
                "{\"law\":\"公司法\",\"version\":\"2023-12-29\",\"article\":1,\"text\":\"new\"}");
        assertFalse(result.articles().get(0).current());
        assertTrue(result.articles().get(1).current());
    }
}
