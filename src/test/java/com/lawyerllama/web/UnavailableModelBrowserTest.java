package com.lawyerllama.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.IntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * The lawyer page when the service has no model to answer with: a 503, told in words, never a
 * blank page. The empty model path is explicit: other tests activate a checkpoint in the shared
 * context.
 */
@IntegrationTest
@TestPropertySource(properties = "lawyer.model.path=")
class UnavailableModelBrowserTest {
    static Browser browser;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void askingWithoutAModelShowsTheServiceUnavailableStateWithTheRetryHint() {
        browser.driver.get("http://127.0.0.1:" + port + "/");
        WebDriverWait wait = new WebDriverWait(browser.driver, Duration.ofSeconds(30));
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
        WebElement question = browser.driver.findElement(By.id("question"));
        question.sendKeys("我交了定金，商家违约了，能要求双倍返还吗？");
        browser.driver.findElement(By.id("ask")).click();
        WebElement status = browser.driver.findElement(By.id("status"));
        wait.until(d -> status.getDomAttribute("class").contains("status-error"));
        assertThat(status.getText()).contains("服务暂不可用").contains("60 秒后重试").contains("请求编号");
        // Nothing half-done is left, the question is kept for the retry, and the button works again.
        assertThat(browser.driver.findElements(By.cssSelector("#turns > li"))).isEmpty();
        assertThat(question.getDomProperty("value")).isEqualTo("我交了定金，商家违约了，能要求双倍返还吗？");
        assertThat(browser.driver.findElement(By.id("ask")).isEnabled()).isTrue();
    }
}
