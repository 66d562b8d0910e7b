package com.lawyerllama.web;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through Debian's chromedriver. Both paths are given
 * explicitly, so Selenium Manager never runs and nothing is downloaded; {@code
 * src/test/setup/install-browser.sh} (run by Maven before the tests) installs them.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = System.getProperty("lawyer.test.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("lawyer.test.chromedriver", "/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final Path profile;

    Browser() {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            throw new IllegalStateException("the browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": run src/test/setup/install-browser.sh as root (Maven runs it before the tests)");
        }
        try {
            profile = Files.createTempDirectory("lawyer-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1280,900",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    void size(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Saves a screenshot of the whole page (up to 4000 px tall) at the current width. */
    void screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Dimension before = driver.manage().window().getSize();
            Number height = (Number) driver.executeScript(
                    "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)");
            driver.manage().window().setSize(new Dimension(before.getWidth(), Math.min(4000, height.intValue() + 140)));
            byte[] png = driver.getScreenshotAs(OutputType.BYTES);
            Files.write(file, png);
            driver.manage().window().setSize(before);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover temporary profile is harmless
            }
        }
    }
}
