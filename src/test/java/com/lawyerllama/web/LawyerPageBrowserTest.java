package com.lawyerllama.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.consult.ConsultResponse;
import com.lawyerllama.consult.Conversation;
import com.lawyerllama.consult.ConversationStore;
import com.lawyerllama.testsupport.Http;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The lawyer-facing page at {@code /}, in a real browser against the real service. */
class LawyerPageBrowserTest extends BrowserTestSupport {
    static final String DEPOSIT = "我交了定金，商家违约了，能要求双倍返还吗？";

    @Autowired
    ConversationStore conversations;

    /** Counts text appended to the streaming answer, so the test sees tokens arrive one by one. */
    private void countStreamedTokens() {
        script("window.__tokens = 0; new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {"
                + " if (n.nodeType === 3 && n.parentElement && n.parentElement.classList.contains('streaming')) window.__tokens++;"
                + "}))).observe(document.getElementById('turns'), {childList: true, subtree: true});");
    }

    private void ask(String question) {
        WebElement input = byId("question");
        input.clear();
        input.sendKeys(question);
        byId("ask").click();
    }

    private void waitForAnswer(int turns) {
        waitUntil(d -> d.findElements(By.cssSelector("#turns > li.turn:not(.live)")).size() == turns
                && byId("status").getAttribute("class").contains("status-done"));
    }

    private String conversationIdInUrl() {
        String hash = (String) script("return location.hash");
        assertThat(hash).startsWith("#c=");
        return hash.substring(3);
    }

    @Test
    void anAnswerStreamsInWithThreeReferenceArticlesAndAFollowUpContinuesTheConversation() {
        open("/");
        assertThat(driver().findElement(By.cssSelector(".disclaimer")).getText()).contains("不构成律师意见");
        countStreamedTokens();
        ask(DEPOSIT);
        waitForAnswer(1);

        assertThat(((Number) script("return window.__tokens")).intValue()).as("token events appended one by one")
                .isGreaterThan(1);
        WebElement turn = driver().findElement(By.cssSelector("#turns > li.turn"));
        assertThat(turn.findElement(By.cssSelector(".question")).getText()).contains(DEPOSIT);
        assertThat(turn.findElement(By.cssSelector(".answer")).getText()).isNotBlank();

        List<WebElement> articles = driver().findElements(By.cssSelector("#articles > li.article"));
        assertThat(articles).hasSize(3);
        for (WebElement article : articles) {
            assertThat(article.findElement(By.cssSelector(".law")).getText()).matches("《.+》");
            assertThat(article.findElement(By.cssSelector(".number")).getText()).matches("第.+条.*");
            assertThat(article.findElement(By.cssSelector(".score-value")).getText()).matches("\\d+\\.\\d\\d");
            assertThat(article.findElement(By.cssSelector(".article-text")).getText()).isNotBlank();
        }
        assertThat(articles).anySatisfy(a -> assertThat(a.getText()).contains("民法典").contains("定金"));

        String id = conversationIdInUrl();
        assertThat((String) script("return localStorage.getItem('lawyerLlama.conversations')")).contains(id);

        // A follow-up goes into the same conversation, which keeps its three articles.
        ask("那如果是我违约了呢？");
        waitForAnswer(2);
        assertThat(conversationIdInUrl()).isEqualTo(id);
        JsonNode stored = Http.json(new Http(port).get("/conversations/" + id));
        assertThat(stored.path("turns")).hasSize(2);
        assertThat(stored.path("turns").get(1).path("question").asString()).isEqualTo("那如果是我违约了呢？");
        assertThat(driver().findElements(By.cssSelector("#articles > li.article"))).hasSize(3);

        // A new conversation clears the page; the earlier one is listed and reopens from the service.
        byId("new-conversation").click();
        assertThat(driver().findElements(By.cssSelector("#turns > li"))).isEmpty();
        driver().findElement(By.cssSelector("#history-list button.history-open[data-conversation-id='" + id + "']")).click();
        waitUntil(d -> d.findElements(By.cssSelector("#turns > li.turn")).size() == 2);
        assertThat(driver().findElements(By.cssSelector("#articles > li.article"))).hasSize(3);
        assertThat(conversationIdInUrl()).isEqualTo(id);
    }

    @Test
    void anEmptyQuestionIsRefusedByTheServiceAndTheErrorShowsNextToTheInput() {
        open("/");
        byId("ask").click();
        WebElement error = waitUntil(d -> {
            WebElement e = byId("question-error");
            return e.isDisplayed() ? e : null;
        });
        assertThat(error.getText()).isEqualTo("请输入问题。");
        assertThat(byId("question").getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(byId("question").getDomAttribute("aria-describedby")).contains("question-error");
        assertThat(driver().findElements(By.cssSelector("#turns > li"))).isEmpty();
        // Typing clears it.
        byId("question").sendKeys("问");
        assertThat(byId("question-error").isDisplayed()).isFalse();
    }

    @Test
    void htmlFromTheModelOrTheCorpusIsShownAsTextWhenAStoredConversationIsReopened() {
        String deposit587 = articleId("定金 双倍返还", "第五百八十七条");
        String id = ConversationStore.newId();
        String hostileAnswer = "<script>window.__xss = 'script'</script><img src=x onerror=\"window.__xss = 'img'\">"
                + "依据《民法典》第五百八十七条，收受定金的一方不履行债务的，应当双倍返还定金。另见《不存在法》第九条。";
        var hostileArticle = new ConsultResponse.ArticleRef("no-such-article", "民法典<b>加粗</b>", "第一条",
                "<img src=x onerror=\"window.__xss = 'article'\">法条正文", 12.5);
        conversations.append(id, List.of(hostileArticle), new Conversation.Turn(
                "<i>斜体</i>的问题？", hostileAnswer, Instant.now(), List.of(hostileArticle),
                List.of(new ConsultResponse.CitationCheck("《民法典》第五百八十七条", "民法典", "第五百八十七条", deposit587, true, false),
                        new ConsultResponse.CitationCheck("《不存在法》第九条", "不存在法", "第九条", null, false, false)),
                new ConsultResponse.Usage(10, 10), new ConsultResponse.Timings(1, 1, 1, 2)), true);

        open("/#c=" + id);
        WebElement answer = waitUntil(d -> d.findElements(By.cssSelector("#turns .answer")).stream().findFirst().orElse(null));
        assertThat(answer.getText()).startsWith("<script>window.__xss = 'script'</script><img src=x onerror=");
        assertThat(driver().findElement(By.cssSelector("#turns .question")).getText()).contains("<i>斜体</i>的问题？");
        assertThat(driver().findElement(By.cssSelector("#articles .law")).getText()).isEqualTo("《民法典<b>加粗</b>》");
        assertThat(driver().findElement(By.cssSelector("#articles .article-text")).getText()).startsWith("<img src=x");
        assertThat(driver().findElements(By.cssSelector("#turns script, #turns img, #turns i, #articles img, #articles b")))
                .isEmpty();
        assertThat(script("return window.__xss === undefined")).isEqualTo(true);

        // The verified citation links to its article; the other is flagged.
        WebElement verified = driver().findElement(By.cssSelector("#turns a.citation.verified"));
        assertThat(verified.getText()).startsWith("《民法典》第五百八十七条");
        WebElement unverified = driver().findElement(By.cssSelector("#turns .citation.unverified"));
        assertThat(unverified.getText()).contains("《不存在法》第九条").contains("未在法条库中找到");
        verified.click();
        waitUntil(d -> byId("viewer-text").getText().contains("应当双倍返还定金"));
        assertThat(byId("viewer-title").getText()).isEqualTo("《民法典》第五百八十七条");
        assertThat(script("return window.__xss === undefined")).isEqualTo(true);
    }

    @Test
    void theThreeCitationStatesHaveTheirOwnMarksAndALegend() {
        String deposit587 = articleId("定金 双倍返还", "第五百八十七条");
        String deposit586 = "民法典:2020-05-28:586";   // only carried, not opened
        var given = new ConsultResponse.ArticleRef(deposit587, "民法典", "第五百八十七条", "给付定金的一方不履行债务……", 12.5);
        String id = ConversationStore.newId();
        String answer = "依据《民法典》第五百八十七条应当双倍返还定金；《民法典》第五百八十六条也有规定；"
                + "《不存在法》第九条；《民法典》第一千零七十九二条。";
        conversations.append(id, List.of(given), new Conversation.Turn("定金能双倍返还吗？", answer, Instant.now(), List.of(given),
                List.of(new ConsultResponse.CitationCheck("《民法典》第五百八十七条", "民法典", "第五百八十七条", deposit587, true, true),
                        new ConsultResponse.CitationCheck("《民法典》第五百八十六条", "民法典", "第五百八十六条", deposit586, true, false),
                        new ConsultResponse.CitationCheck("《不存在法》第九条", "不存在法", "第九条", null, false, false),
                        ConsultResponse.CitationCheck.malformed("《民法典》第一千零七十九二条", "民法典",
                                "article number '一千零七十九二' is not a valid number")),
                new ConsultResponse.Usage(10, 10), new ConsultResponse.Timings(1, 1, 1, 2)), true);

        open("/#c=" + id);
        waitUntil(d -> d.findElements(By.cssSelector("#turns .answer")).stream().findFirst().orElse(null));
        WebElement provided = driver().findElement(By.cssSelector("#turns .answer a.citation.provided"));
        assertThat(provided.getText()).isEqualTo("《民法典》第五百八十七条✓");
        WebElement fromMemory = driver().findElement(By.cssSelector("#turns .answer a.citation.from-memory"));
        assertThat(fromMemory.getText()).isEqualTo("《民法典》第五百八十六条?");
        assertThat(fromMemory.getDomAttribute("title")).contains("凭记忆引用").contains("未对照问题核对");
        assertThat(driver().findElement(By.cssSelector("#turns .answer .citation.not-found")).getText())
                .contains("未在法条库中找到");
        assertThat(driver().findElement(By.cssSelector("#turns .answer .citation.malformed")).getText())
                .contains("《民法典》第一千零七十九二条").contains("条号格式错误");
        // The from-memory citation does not carry the provided one's mark.
        assertThat(fromMemory.findElement(By.cssSelector(".mark")).getText()).isNotEqualTo("✓");
        driver().findElement(By.cssSelector("#turns .citation-check summary")).click();
        WebElement legend = waitUntil(d -> d.findElements(By.cssSelector("#turns .citation-legend")).stream()
                .filter(WebElement::isDisplayed).findFirst().orElse(null));
        assertThat(legend.getText()).contains("✓ 参考法条之一").contains("? 凭记忆引用").contains("✗ 未在法条库中找到")
                .contains("✗ 条号格式错误");
        assertThat(driver().findElements(By.cssSelector("#turns .citation-check li")))
                .extracting(e -> e.getDomAttribute("data-status"))
                .containsExactly("provided", "from-memory", "not-found", "malformed");
    }

    @Test
    void statuteSearchFindsArticlesAndTheViewerShowsOne() {
        open("/");
        byId("search-q").sendKeys("定金 双倍返还");
        driver().findElement(By.cssSelector("#search-form button")).click();
        waitUntil(d -> !d.findElements(By.cssSelector("#search-results button")).isEmpty());
        WebElement first = driver().findElement(By.cssSelector("#search-results button"));
        String title = first.getText();
        first.click();
        waitUntil(d -> byId("viewer-title").getText().equals(title) && !byId("viewer-text").getText().isBlank());
        byId("viewer").sendKeys(org.openqa.selenium.Keys.ESCAPE);
        waitUntil(d -> !byId("viewer").isDisplayed());
    }

    /**
     * Screenshots for the README, desktop and phone width. The test model has random weights, so
     * the pictured turn is a stored example answer over the articles the real index retrieves;
     * at phone width nothing may overflow sideways.
     */
    @Test
    void screenshotsAtDesktopAndPhoneWidth() {
        JsonNode hits = Http.json(new Http(port).get("/articles/search?q="
                + java.net.URLEncoder.encode(DEPOSIT, java.nio.charset.StandardCharsets.UTF_8) + "&k=3")).path("hits");
        List<ConsultResponse.ArticleRef> articles = new java.util.ArrayList<>();
        for (JsonNode hit : hits) {
            JsonNode a = hit.path("article");
            articles.add(new ConsultResponse.ArticleRef(a.path("id").asString(), a.path("law").asString(),
                    a.path("article").asString(), a.path("text").asString(), hit.path("score").asDouble()));
        }
        String id = ConversationStore.newId();
        String answer = "可以。根据《民法典》第五百八十七条，收受定金的一方不履行债务或者履行债务不符合约定，"
                + "致使不能实现合同目的的，应当双倍返还定金。建议保留付款凭证和商家违约的证据，先与商家协商；"
                + "协商不成的，可以向消费者协会投诉或者向人民法院起诉。另请注意《合同法》第一百一十五条已废止。";
        conversations.append(id, articles, new Conversation.Turn(DEPOSIT, answer, Instant.now(), articles,
                List.of(new ConsultResponse.CitationCheck("《民法典》第五百八十七条", "民法典", "第五百八十七条",
                                articles.stream().filter(a -> a.article().equals("第五百八十七条")).findFirst()
                                        .map(ConsultResponse.ArticleRef::id).orElse("民法典:2020-05-28:587"), true, true),
                        new ConsultResponse.CitationCheck("《合同法》第一百一十五条", "合同法", "第一百一十五条", null, false, false)),
                new ConsultResponse.Usage(420, 96), new ConsultResponse.Timings(35, 180, 2200, 2400)), true);
        open("/#c=" + id);
        waitUntil(d -> d.findElements(By.cssSelector("#turns .answer")).size() == 1
                && d.findElements(By.cssSelector("#articles > li")).size() == 3);
        browser.screenshot(SCREENSHOTS.resolve("lawyer-desktop.png"));

        browser.size(390, 844);
        open("/#c=" + id);
        waitUntil(d -> d.findElements(By.cssSelector("#turns .answer")).size() == 1);
        assertThat(sidewaysOverflow())
                .as("no sideways scrolling at phone width").isLessThanOrEqualTo(0);
        browser.screenshot(SCREENSHOTS.resolve("lawyer-phone.png"));
    }

    private String articleId(String query, String article) {
        JsonNode hits = Http.json(new Http(port).get("/articles/search?q="
                + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8) + "&k=10")).path("hits");
        for (JsonNode hit : hits) {
            if ("民法典".equals(hit.path("article").path("law").asString())
                    && article.equals(hit.path("article").path("article").asString())) {
                return hit.path("article").path("id").asString();
            }
        }
        throw new AssertionError("no " + article + " among " + hits);
    }
}
