package io.fieldsync.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.AuthException;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.RepositoryFiles;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console in a real browser against a real server with real devices: sign-in (and a
 * non-admin token refused), a device appearing after it syncs, a parked conflict resolved in the
 * page and received by the devices, a record's history, revoking with a confirmation, keyboard use
 * and contrast on every page. It also takes the screenshots docs/admin.md shows.
 */
class AdminConsoleBrowserTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          columns:
            id:     { type: uuid, primary_key: true }
            head:   { type: text }
            notes:  { type: text, conflict: manual }
            visits: { type: integer, conflict: sum }
      """;

  static final String FIRST = "01890000-0000-7000-8000-0000000000a1";
  static final String SECOND = "01890000-0000-7000-8000-0000000000a2";

  /** Finds text whose contrast with its background is under WCAG AA's 4.5:1. */
  static final String LOW_CONTRAST =
      """
      const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
      const parse = (text) => { const m = text.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
        const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
      const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
      const background = (element) => { for (let e = element; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) return c; }
        return { r: 255, g: 255, b: 255, a: 1 }; };
      const low = [];
      for (const element of document.querySelectorAll('body *')) {
        if (element.closest('[hidden]') || element.getClientRects().length === 0) continue;
        const text = Array.from(element.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
        if (!text) continue;
        const fg = parse(getComputedStyle(element).color); const bg = background(element);
        const l1 = luminance(fg), l2 = luminance(bg);
        const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        if (ratio < 4.5) low.push(element.tagName + ' "' + text.substring(0, 40) + '" ' + ratio.toFixed(2));
      }
      return low;
      """;

  @TempDir Path dir;
  TestServer server;
  ChromeDriver browser;
  WebDriverWait wait;

  @BeforeEach
  void start() {
    server = TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.startingNow()).start();
    browser = HeadlessChromium.start();
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    server.close();
  }

  @Test
  void aCoordinatorRunsTheTenantFromTheConsole() throws Exception {
    browser.get(server.uri() + "/admin");
    visible("page-sign-in");
    screenshot("sign-in");
    signIn(server.token("device-a"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "not an admin token"));
    assertThat(browser.findElement(By.id("page-sign-in")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();

    signIn(server.adminToken(TestServer.TENANT));
    visible("page-overview");
    assertThat(lowContrast()).isEmpty();

    // A device appears once it syncs, with the cursor and lag the test expects: one record, one
    // sequence, nothing pending.
    open("devices");
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute(
        "INSERT INTO households (id, head, notes, visits) VALUES (?, 'Ann', 'start', 1)", FIRST);
    a.execute(
        "INSERT INTO households (id, head, notes, visits) VALUES (?, 'Bo', 'start', 1)", SECOND);
    TestDevice.syncAll(a, b);
    long sequence = 2;
    wait.until(driver -> deviceCells("device-a").get(4).equals(Long.toString(sequence)));
    assertThat(deviceCells("device-a"))
        .containsSubsequence("device-a", "user-device-a")
        .containsSubsequence(Long.toString(sequence), "0", "0", "no", "no");
    assertThat(deviceCells("device-b")).contains("user-device-b");
    assertThat(lowContrast()).isEmpty();
    screenshot("devices");

    // Two parked conflicts: the page resolves one; another coordinator resolves the other through
    // the API and the page follows without a reload.
    for (String id : List.of(FIRST, SECOND)) {
      a.execute("UPDATE households SET notes = 'from a', visits = visits + 2 WHERE id = ?", id);
      b.execute("UPDATE households SET notes = 'from b', head = 'Anne' WHERE id = ?", id);
    }
    a.sync();
    b.sync();
    open("review");
    wait.until(driver -> browser.findElements(By.cssSelector("#review-items .item")).size() == 2);
    WebElement first = item(FIRST);
    assertThat(first.getText()).contains("from a").contains("from b").contains("device-b");
    assertThat(lowContrast()).isEmpty();
    screenshot("review");
    first.findElement(By.xpath(".//button[contains(., \"Take device-b's value\")]")).click();
    wait.until(driver -> browser.findElements(By.cssSelector("#review-items .item")).size() == 1);
    long other = server.review().onlyItem().get("id").getAsLong();
    assertThat(server.review().resolve(other, "{\"action\":\"keep_server\"}").statusCode())
        .isEqualTo(200);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("review-empty")));
    TestDevice.syncAll(a, b);
    // The model: device-b's notes won the first record by the coordinator's choice, the server's
    // (device-a's) the second; head took device-b's lww edit; visits summed both devices' adds.
    Map<String, Map<String, Object>> expected =
        Map.of(
            FIRST, Map.of("head", "Anne", "notes", "from b", "visits", 3L),
            SECOND, Map.of("head", "Anne", "notes", "from a", "visits", 3L));
    for (TestDevice device : List.of(a, b)) {
      for (Map<String, Object> record : device.rows("households")) {
        Map<String, Object> want = expected.get(record.get("id"));
        assertThat(record.get("head")).isEqualTo(want.get("head"));
        assertThat(record.get("notes")).isEqualTo(want.get("notes"));
        assertThat(((Number) record.get("visits")).longValue()).isEqualTo(want.get("visits"));
      }
    }

    // The record's history: every change the test made to it, with its outcome.
    open("history");
    new Select(browser.findElement(By.id("history-table"))).selectByVisibleText("households");
    browser.findElement(By.id("history-id")).sendKeys(FIRST, Keys.ENTER);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("history")));
    List<String> outcomes = new ArrayList<>();
    for (WebElement change : browser.findElements(By.cssSelector("#history tbody tr"))) {
      outcomes.add(change.findElements(By.tagName("td")).get(4).getText());
    }
    assertThat(outcomes).containsExactly("applied", "applied", "parked", "review_take_device");
    assertThat(browser.findElement(By.cssSelector("#history tbody")).getText())
        .contains("concurrent edits of [notes] went to the review queue");
    assertThat(lowContrast()).isEmpty();
    screenshot("history");

    open("overview");
    wait.until(
        ExpectedConditions.textToBe(
            By.id("ov-sequence"), Long.toString(server.sequence(TestServer.TENANT))));
    assertThat(browser.findElement(By.id("ov-devices")).getText()).isEqualTo("2");
    assertThat(browser.findElement(By.id("ov-conflicts")).getText()).contains("manual");
    assertThat(browser.findElement(By.id("ov-recent")).getText()).contains("parked");
    screenshot("overview");

    // Keyboard only: every page is reachable from the navigation, and revoking asks first.
    browser.navigate().refresh();
    visible("page-overview");
    List<String> reached = new ArrayList<>();
    Actions keys = new Actions(browser);
    for (int press = 0; press < 7; press++) {
      keys.sendKeys(Keys.TAB).perform();
      reached.add(browser.switchTo().activeElement().getText());
    }
    assertThat(reached)
        .containsSubsequence("Overview", "Devices", "Review queue", "Record history", "Sign out");
    focusLink("Devices").sendKeys(Keys.ENTER);
    visible("page-devices");
    wait.until(
        driver -> {
          deviceRow("device-b").findElement(By.tagName("button")).sendKeys(Keys.ENTER);
          return true;
        });
    wait.until(ExpectedConditions.alertIsPresent()).dismiss();
    assertThat(deviceCells("device-b")).last().isEqualTo("Revoke");
    assertThat(deviceCells("device-b").get(8)).isEqualTo("no");
    wait.until(
        driver -> {
          deviceRow("device-b").findElement(By.tagName("button")).sendKeys(Keys.ENTER);
          return true;
        });
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(driver -> deviceCells("device-b").get(8).startsWith("revoked"));
    assertThat(deviceCells("device-a").get(8)).isEqualTo("no");
    b.execute("UPDATE households SET head = 'after revoke' WHERE id = ?", FIRST);
    assertThatThrownBy(() -> b.client().syncNow())
        .isInstanceOf(AuthException.class)
        .hasMessageContaining("revoked");
  }

  private void signIn(String token) {
    WebElement field = browser.findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
    browser.findElement(By.cssSelector("#sign-in-form button")).click();
  }

  private void open(String page) {
    browser.findElement(By.cssSelector("nav a[data-page='" + page + "']")).click();
    visible("page-" + page);
  }

  private WebElement focusLink(String text) {
    WebElement link = browser.findElement(By.linkText(text));
    ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("arguments[0].focus()", link);
    return link;
  }

  private void visible(String id) {
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
  }

  /** The texts of a device's row; the page redraws the table every few seconds. */
  private List<String> deviceCells(String device) {
    return wait.until(driver -> cells(deviceRow(device)));
  }

  private WebElement deviceRow(String device) {
    By row = By.cssSelector("#devices tbody tr[data-device='" + device + "']");
    wait.until(ExpectedConditions.presenceOfElementLocated(row));
    return browser.findElement(row);
  }

  private WebElement item(String recordId) {
    for (WebElement item : browser.findElements(By.cssSelector("#review-items .item"))) {
      if (item.findElement(By.tagName("h3")).getText().contains(recordId)) {
        return item;
      }
    }
    throw new AssertionError("no review item of " + recordId);
  }

  private List<String> cells(WebElement row) {
    return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
  }

  @SuppressWarnings("unchecked")
  private List<String> lowContrast() {
    return (List<String>) browser.executeScript(LOW_CONTRAST);
  }

  private void screenshot(String page) throws Exception {
    Path docs = RepositoryFiles.find("docs/admin.md").getParent().resolve("admin");
    Files.createDirectories(docs);
    Files.write(docs.resolve(page + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  private TestDevice device(String name) {
    return server.device(name, builder -> builder.seed(name.hashCode()));
  }
}
