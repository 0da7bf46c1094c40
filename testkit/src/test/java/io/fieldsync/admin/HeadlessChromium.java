package io.fieldsync.admin;

import io.fieldsync.testkit.ExternalTools;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium driven headless through its chromedriver, both found on the machine (never
 * downloaded): {@code apt-get install chromium chromium-driver}, which {@code .ci/run} does.
 */
final class HeadlessChromium {
  private static final List<String> BROWSERS =
      List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
  private static final List<String> DRIVERS =
      List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

  private HeadlessChromium() {}

  static ChromeDriver start() {
    String browser = first(BROWSERS);
    String driver = first(DRIVERS);
    ExternalTools.require(
        "Chromium and its driver",
        "apt-get install chromium chromium-driver",
        browser == null ? "chromium" : driver == null ? "chromedriver" : browser,
        "--version");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(driver))
            .usingAnyFreePort()
            .withEnvironment(Map.of("TZ", "UTC", "LANG", "en_US.UTF-8"))
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=en-US",
        "--hide-scrollbars",
        "--force-device-scale-factor=1");
    ChromeDriver chrome = new ChromeDriver(service, options);
    chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return chrome;
  }

  private static String first(List<String> candidates) {
    for (String candidate : candidates) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }
}
