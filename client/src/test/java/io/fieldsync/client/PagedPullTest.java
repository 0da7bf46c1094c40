package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.StorageException;
import io.fieldsync.TransportException;
import io.fieldsync.wire.PullRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The next page is fetched while the current one is applied; the cursor follows commits only. */
class PagedPullTest extends ClientFixture {
  private static final String H3 = "0190c6a2-0000-7000-8000-000000000003";

  @BeforeEach
  void setUp() {
    init();
  }

  @Test
  void aFailedFetchAheadKeepsThePageBeforeItAndTheNextSyncContinuesFromThere() throws Exception {
    server.page(1, true, FakeServer.record("households", H1, 1, "region", "n", 5L));
    server.page(2, true, FakeServer.record("households", H2, 2, "region", "s", 5L));
    server.page(3, false, FakeServer.record("households", H3, 3, "region", "e", 5L));
    server.failingPulls.add(2);

    assertThatThrownBy(client::syncNow)
        .isInstanceOf(TransportException.class)
        .hasMessage("pull 2 failed (fake)");

    assertThat(scalar("SELECT cursor FROM _fs_state")).isEqualTo(1L);
    assertThat(query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1);
    assertThat(scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);

    SyncResult result = client.syncNow();

    assertThat(result.pulled()).isEqualTo(2);
    assertThat(result.cursor()).isEqualTo(3);
    assertThat(server.pulls).extracting(PullRequest::getCursor).containsExactly(0L, 1L, 1L, 2L);
    assertThat(query("SELECT id FROM households ORDER BY id"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1, H2, H3);
  }

  @Test
  void aPageThatFailsToApplyLeavesTheCursorAndNoStagedRowReachesTheNextSync() throws Exception {
    // An application trigger that refuses one value: the page holding it fails mid-batch.
    sql(
        "CREATE TRIGGER refuse BEFORE INSERT ON households WHEN NEW.region = 'boom'"
            + " BEGIN SELECT RAISE(ABORT, 'refused by the app'); END");
    server.page(1, true, FakeServer.record("households", H1, 1, "region", "n", 5L));
    server.page(
        3,
        true,
        FakeServer.record("households", H2, 2, "region", "s", 5L),
        FakeServer.record("households", H3, 3, "region", "boom", 5L));
    server.page(4, false);

    assertThatThrownBy(client::syncNow)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("refused by the app");

    assertThat(scalar("SELECT cursor FROM _fs_state")).isEqualTo(1L);
    assertThat(query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H1);
    assertThat(scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(log()).isEmpty();

    sql("DROP TRIGGER refuse");
    server.pages.clear();
    server.page(3, false, FakeServer.record("households", H3, 3, "region", "e", 5L));

    SyncResult result = client.syncNow();

    assertThat(result.cursor()).isEqualTo(3);
    assertThat(query("SELECT id, region FROM households ORDER BY id"))
        .extracting(row -> row.get("id") + "=" + row.get("region"))
        .containsExactly(H1 + "=n", H3 + "=e");
    assertThat(log()).isEmpty();
  }
}
