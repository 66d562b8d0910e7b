package com.lawyerllama.web;

import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.testsupport.IntegrationTest;
import com.lawyerllama.testsupport.TestCorpus;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole service (real Elasticsearch with the statute corpus, the real DJL engine serving a
 * small random-weight LLaMA) driven through its pages in headless Chromium. Subclasses share
 * one application context; each class gets one browser.
 */
@IntegrationTest
@TestPropertySource(properties = {"lawyer.model.max-new-tokens=32", "lawyer.model.temperature=0"})
abstract class BrowserTestSupport {
    /** Where screenshots go; {@code -Dlawyer.test.screenshots=docs/screenshots} refreshes the README's. */
    static final Path SCREENSHOTS = Path.of(System.getProperty("lawyer.test.screenshots", "target/screenshots"));

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("lawyer.model.path", () -> TestModels.tinyChinese().toString());
    }

    static Browser browser;

    @LocalServerPort
    int port;

    @Autowired
    CorpusImporter importer;

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

    @BeforeEach
    void corpus() {
        TestCorpus.ensureImported(importer);
        browser.size(1280, 900);
    }

    WebDriver driver() {
        return browser.driver;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Opens a page and waits until its module has wired it up. */
    void open(String path) {
        driver().get("about:blank");
        driver().get(url(path));
        waitUntil(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    <T> T waitUntil(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver(), Duration.ofSeconds(60)).until(condition);
    }

    WebElement byId(String id) {
        return driver().findElement(By.id(id));
    }

    /** Pixels the page overflows its viewport sideways (0 when it fits). */
    int sidewaysOverflow() {
        return ((Number) script("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                .intValue();
    }

    Object script(String js, Object... args) {
        return browser.driver.executeScript(js, args);
    }
}
