package com.lawyerllama.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The admin page at {@code /admin}: form login, corpus import, training with its loss chart, eval. */
class AdminPageBrowserTest extends BrowserTestSupport {
    static int threadsBefore;

    /** One PyTorch thread while training here: OpenMP threads spin against other work on 2 shared cores. */
    @BeforeAll
    static void oneThread() {
        ai.djl.engine.Engine.getInstance();
        threadsBefore = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threadsBefore);
    }

    private void logIn(String password) {
        driver().manage().deleteAllCookies();
        driver().get(url("/admin"));
        waitUntil(d -> d.getCurrentUrl().endsWith("/login"));
        waitUntil(d -> byId("login").isEnabled());
        byId("username").sendKeys("admin");
        byId("password").sendKeys(password);
        byId("login").click();
    }

    private void logInAsAdmin() {
        logIn(IntegrationTest.ADMIN_PASSWORD);
        waitUntil(d -> d.getCurrentUrl().endsWith("/admin")
                && "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    @Test
    void aWrongPasswordIsRefusedWithAVisibleError() {
        logIn("wrong-password");
        waitUntil(d -> d.getCurrentUrl().endsWith("/login?error"));
        WebElement error = waitUntil(d -> byId("login-error").isDisplayed() ? byId("login-error") : null);
        assertThat(error.getText()).contains("用户名或密码错误");
        // Still not let in.
        driver().get(url("/admin"));
        waitUntil(d -> d.getCurrentUrl().endsWith("/login"));
    }

    @Test
    void theSessionIsProtectedAgainstCsrfAndTheApiStaysStateless() {
        logInAsAdmin();
        assertThat(driver().manage().getCookieNamed("JSESSIONID").getSameSite()).isEqualTo("Strict");
        assertThat(driver().manage().getCookieNamed("JSESSIONID").isHttpOnly()).isTrue();
        // The page's own fetch with the token works; the same call without it is refused.
        Object withToken = browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/csrf').then(r => r.json()).then(t => fetch('/admin/retrieval/eval', {method: 'POST',"
                + " headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest', [t.headerName]: t.token},"
                + " body: '{}'})).then(r => done(r.status))");
        assertThat(((Number) withToken).intValue()).as("past CSRF and login: the endpoint's own 400").isEqualTo(400);
        Object withoutToken = browser.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/admin/retrieval/eval', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})"
                + ".then(r => done(r.status))");
        assertThat(((Number) withoutToken).intValue()).isEqualTo(403);

        // API clients: Basic and bearer, no session, no CSRF token, as before.
        Http http = new Http(port);
        HttpResponse<String> basic = http.send(http.request("/admin/corpus/import")
                .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD)).GET());
        assertThat(basic.statusCode()).isEqualTo(200);
        assertThat(basic.headers().firstValue("Set-Cookie")).isEmpty();
        HttpResponse<String> none = http.send(http.request("/admin/corpus/import")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"x\"}")));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        HttpResponse<String> page = http.get("/admin");
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValueSatisfying(v -> assertThat(v).endsWith("/login"));
        assertThat(http.get("/login").headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void importsACorpusFromAServerPathShowingProgressAndTheReport(@TempDir Path corpus) throws IOException {
        // A real part of the statute corpus (the constitution), in the corpus's own layout.
        Path source = SharedData.path("laws").resolve("宪法");
        Files.createDirectories(corpus.resolve("宪法"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, corpus.resolve("宪法").resolve(f.getFileName()));
            }
        }
        logInAsAdmin();
        byId("import-start").click();
        assertThat(byId("import-error").getText()).isEqualTo("请输入服务器上的语料目录。");
        byId("import-path").sendKeys(corpus.toString());
        byId("import-start").click();
        waitUntil(d -> "已完成".equals(field("import-report", "状态")));
        assertThat(Integer.parseInt(field("import-report", "文件"))).isGreaterThan(0);
        int articles = Integer.parseInt(field("import-report", "待写入"));
        assertThat(articles).isGreaterThan(100);
        assertThat(field("import-report", "已处理")).isEqualTo(String.valueOf(articles));
        assertThat(field("import-report", "失败")).isEqualTo("0");
        assertThat(byId("import-progress").getDomProperty("value")).isEqualTo("1");
        waitUntil(d -> d.findElement(By.id("import-jobs")).getText().contains(byId("import-id").getText()));
        // A path that does not exist: the service's problem shown at the form.
        byId("import-path").clear();
        byId("import-path").sendKeys(corpus.resolve("missing").toString());
        byId("import-start").click();
        waitUntil(d -> "失败".equals(field("import-report", "状态")) || byId("import-error").isDisplayed());
    }

    @Test
    void startsTheTinyTrainingPresetWatchesTheLossChartAndCancels() {
        logInAsAdmin();
        new Select(byId("training-plan-name")).selectByValue("tiny");
        byId("training-start").click();
        // Live steps and a validation point arrive through the events stream and are drawn; the run
        // goes on past its first checkpoint (step 10), so that cancelling leaves one to put into service.
        waitUntil(d -> intData("loss-chart", "data-train-points") >= 3 && intData("loss-chart", "data-validation-points") >= 1
                && pastFirstCheckpoint());
        assertThat(field("training-status", "状态")).isEqualTo("进行中");
        assertThat(field("training-status", "阶段")).matches("(S1-general-pretraining|S4-legal-pretraining).*");
        assertThat(field("training-status", "步数")).matches("\\d+/(30|40)");   // S1 has 30 steps, S4 40
        assertThat(field("training-status", "tokens/s")).matches("\\d+");
        assertThat(field("training-status", "训练损失")).matches("\\d+\\.\\d{4}");
        long trainPixels = coloredPixels(31, 78, 140);
        long validationPixels = coloredPixels(192, 57, 43);
        assertThat(trainPixels).as("the train loss line is drawn").isGreaterThan(50);
        assertThat(validationPixels).as("the validation point is drawn").isGreaterThan(5);
        // S1 ends with its evaluation (sst2, 4 items): its row appears in the per-stage table, a
        // column per task, the accuracy with its interval and the chance level beside it.
        waitUntil(d -> d.findElements(By.cssSelector("#model-evals th[scope=row]")).stream()
                .anyMatch(th -> th.getText().endsWith("/S1-general-pretraining")));
        WebElement row = driver().findElements(By.cssSelector("#model-evals tr")).stream()
                .filter(r -> r.getText().contains("/S1-general-pretraining")).findFirst().orElseThrow();
        WebElement cell = row.findElement(By.cssSelector("td[data-task=sst2]"));
        assertThat(cell.getText()).matches("(?s)(≈ )?\\d+\\.\\d%（\\d+\\.\\d%–\\d+\\.\\d%）\\s*随机 50\\.0%，n=4");
        assertThat(driver().findElements(By.cssSelector("#model-evals-head th")).stream().map(WebElement::getText).toList())
                .contains("sst2");
        // Cancel while it runs (the whole tiny plan takes about 20 s here), then picture the page.
        byId("training-cancel").click();
        waitUntil(d -> "已取消".equals(field("training-status", "状态")));
        browser.screenshot(SCREENSHOTS.resolve("admin-desktop.png"));
        browser.size(390, 844);
        assertThat(sidewaysOverflow()).as("no sideways scrolling at phone width").isLessThanOrEqualTo(0);
        browser.screenshot(SCREENSHOTS.resolve("admin-phone.png"));
        browser.size(1280, 900);
        assertThat(byId("training-start").isEnabled()).isTrue();

        // The run's checkpoint is listed and can be put into service …
        try {
            // The list is re-rendered when the run's stream ends: find and click in one go, again if it went stale.
            waitUntil(d -> {
                try {
                    WebElement activate = d.findElements(By.cssSelector("#checkpoints button")).stream()
                            .filter(b -> b.getDomAttribute("aria-label").contains("S1-general-pretraining"))
                            .findFirst().orElse(null);
                    if (activate == null) {
                        return null;
                    }
                    activate.click();
                    return true;
                } catch (org.openqa.selenium.StaleElementReferenceException e) {
                    return null;
                }
            });
            waitUntil(d -> byId("checkpoints-message").getText().startsWith("已上线："));
        } finally {
            // … then the model the other browser tests use goes back into service.
            Http http = new Http(port);
            HttpResponse<String> restored = http.send(http.request("/admin/model/activate")
                    .header("Authorization", Http.basic("admin", IntegrationTest.ADMIN_PASSWORD))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"checkpoint\": \""
                            + com.lawyerllama.testsupport.TestModels.tinyChinese().toString().replace("\\", "\\\\") + "\"}")));
            assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
        }
    }

    @Test
    void retrievalEvaluationShowsRecallAtOneThreeAndFive(@TempDir Path dir) throws IOException {
        // The first 150 LawBench 3-2 questions, to keep the test short (the dev split of all 500 takes ~30 s here).
        tools.jackson.databind.ObjectMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        tools.jackson.databind.JsonNode all = json.readTree(Files.readString(SharedData.path("lawbench/3-2.json")));
        tools.jackson.databind.node.ArrayNode part = json.createArrayNode();
        for (int i = 0; i < 150; i++) {
            part.add(all.get(i));
        }
        Path set = Files.writeString(dir.resolve("3-2-part.json"), json.writeValueAsString(part));
        logInAsAdmin();
        byId("eval-set").sendKeys(set.toString());
        byId("eval-start").click();
        waitUntil(d -> field("eval-result", "recall@5") != null);
        for (String k : new String[] {"recall@1", "recall@3", "recall@5"}) {
            assertThat(field("eval-result", k)).matches("\\d+\\.\\d%");
        }
        assertThat(Integer.parseInt(field("eval-result", "问题数"))).isGreaterThan(5);
        assertThat(field("eval-result", "划分")).isEqualTo("dev");
    }

    /** The value shown for a term in one of the page's definition lists, or null. */
    private String field(String listId, String term) {
        // Read in one script: the lists are re-rendered on every live update.
        return (String) script("const dd = [...document.querySelectorAll('#' + arguments[0] + ' dd')]"
                + ".find(d => d.dataset.field === arguments[1]); return dd ? dd.textContent : null;", listId, term);
    }

    /** The tiny plan's first stage has passed step 10, where it writes its first checkpoint. */
    private boolean pastFirstCheckpoint() {
        String stage = field("training-status", "阶段");
        String steps = field("training-status", "步数");
        if (stage == null || steps == null || !steps.matches("\\d+/\\d+")) {
            return false;
        }
        return !stage.startsWith("S1-general-pretraining") || Integer.parseInt(steps.substring(0, steps.indexOf('/'))) > 10;
    }

    private int intData(String id, String attribute) {
        String value = byId(id).getDomAttribute(attribute);
        return value == null ? 0 : Integer.parseInt(value);
    }

    /** Pixels of the loss chart close to a colour. */
    private long coloredPixels(int r, int g, int b) {
        return ((Number) script("const c = document.getElementById('loss-chart');"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                + "for (let i = 0; i < d.length; i += 4) { if (Math.abs(d[i] - arguments[0]) < 30"
                + " && Math.abs(d[i + 1] - arguments[1]) < 30 && Math.abs(d[i + 2] - arguments[2]) < 30) n++; }"
                + "return n;", r, g, b)).longValue();
    }
}
