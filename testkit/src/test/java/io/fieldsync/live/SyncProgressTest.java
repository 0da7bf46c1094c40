package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncListener;
import io.fieldsync.client.SyncProgress;
import io.fieldsync.client.SyncProgress.Phase;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push of several batches and a pull of several pages (a new device's first sync) report their
 * progress after each batch and page, monotone, ending at the total; one batch or one page reports
 * none.
 */
class SyncProgressTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(LiveSchema.YAML).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @SeededTest(runs = 2)
  void aMultiBatchPushAndAMultiPageFirstPullReportMonotoneProgressEndingAtTheTotal(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int records = 30 + random.nextInt(50);
    int batch = 4 + random.nextInt(6);
    int page = 4 + random.nextInt(6);
    TestDevice a = server.device("a", builder -> builder.batchSize(batch));
    List<SyncProgress> pushed = heard(a);
    StringBuilder insert =
        new StringBuilder("INSERT INTO households (id, region, head_name) VALUES ");
    for (int n = 1; n <= records; n++) {
      insert.append(n > 1 ? ", " : "").append("('").append(uuid(n)).append("', 'north', 'h')");
    }
    a.sql(insert.toString());
    a.sync();

    // Each record was inserted once: the pending records are known exactly from the start.
    assertReports(pushed, Phase.PUSH, records, batch, (records + batch - 1) / batch);

    TestDevice b = server.device("b", builder -> builder.pullPageSize(page));
    List<SyncProgress> pulled = heard(b);
    b.sync();

    // A page is full while records remain; the run ends with the first page that is not.
    // One sequence per inserted record: the server's sequence minus cursor 0 is the exact total.
    int pages = records / page + 1;
    assertReports(pulled, Phase.PULL, records, page, pages);
    assertThat(LiveSchema.count(b, "households")).isEqualTo(records);

    // A resync reports each snapshot page the same way, its total the server's live records.
    pulled.clear();
    b.client().resync();
    assertReports(pulled, Phase.SNAPSHOT, records, page, pages);
  }

  @SeededTest(runs = 1)
  void aPushOfOneBatchAndAPullOfOnePageReportNoProgress(long seed) {
    int records = 1 + new SplittableRandom(seed).nextInt(20);
    TestDevice a = server.device("a");
    TestDevice b = server.device("b");
    List<SyncProgress> heardOnA = heard(a);
    List<SyncProgress> heardOnB = heard(b);
    for (int n = 1; n <= records; n++) {
      a.sql("INSERT INTO households (id, region) VALUES ('" + uuid(n) + "', 'south')");
    }
    a.sync();
    b.sync();

    assertThat(LiveSchema.count(b, "households")).isEqualTo(records);
    assertThat(heardOnA).isEmpty();
    assertThat(heardOnB).isEmpty();
  }

  /**
   * Records done after each of {@code reports} steps of {@code step} records, up to {@code
   * records}.
   */
  private static List<Long> cumulative(int records, int step, int reports) {
    List<Long> done = new ArrayList<>();
    for (int i = 1; i <= reports; i++) {
      done.add(Math.min(records, (long) i * step));
    }
    return done;
  }

  private static List<SyncProgress> heard(TestDevice device) {
    List<SyncProgress> heard = new CopyOnWriteArrayList<>();
    device
        .client()
        .addListener(
            new SyncListener() {
              @Override
              public void syncProgress(SyncProgress progress) {
                heard.add(progress);
              }
            });
    return heard;
  }

  /**
   * {@code count} reports of {@code phase}, each {@code step} records on up to {@code records},
   * each with that total, monotone, the last one finished.
   */
  private static void assertReports(
      List<SyncProgress> reports, Phase phase, int records, int step, int count) {
    assertThat(reports).hasSize(count).allMatch(progress -> progress.phase() == phase);
    assertMonotoneTo(reports, records);
    assertThat(reports)
        .extracting(SyncProgress::records)
        .isEqualTo(cumulative(records, step, count));
    assertThat(reports).allMatch(progress -> progress.recordsTotal() == records);
  }

  private static void assertMonotoneTo(List<SyncProgress> reports, long total) {
    for (int i = 1; i < reports.size(); i++) {
      assertThat(reports.get(i).records())
          .as("records of report %d after %s", i, reports.get(i - 1))
          .isGreaterThanOrEqualTo(reports.get(i - 1).records());
      assertThat(reports.get(i).bytes()).isGreaterThan(reports.get(i - 1).bytes());
    }
    for (int i = 0; i < reports.size() - 1; i++) {
      assertThat(reports.get(i).finished()).isFalse();
    }
    SyncProgress last = reports.get(reports.size() - 1);
    assertThat(last.finished()).isTrue();
    assertThat(last.records()).isEqualTo(total);
    assertThat(last.recordsTotal()).isEqualTo(total);
    assertThat(last.fraction()).isEqualTo(1.0);
  }
}
