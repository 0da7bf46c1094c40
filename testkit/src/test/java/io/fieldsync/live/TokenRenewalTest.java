package io.fieldsync.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.AuthException;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.TokenProvider;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens that expire during a run: the server and the device read one manual clock, tokens are
 * minted for 30 minutes, and the application's {@link TokenProvider} mints fresh ones.
 */
class TokenRenewalTest {
  static final Duration TTL = Duration.ofMinutes(30);
  static final String DEVICE = "tablet-7";

  @TempDir Path dir;
  TestServer server;
  ManualClock clock;

  /** What the provider was asked: the reason and the token in use then. */
  record Asked(TokenProvider.Reason reason, String current) {}

  final List<Asked> asked = new CopyOnWriteArrayList<>();
  final List<String> minted = new CopyOnWriteArrayList<>();
  volatile boolean providerHasTokens = true;

  @BeforeEach
  void start() {
    clock = ManualClock.startingNow();
    server = TestServer.builder(dir).clock(clock).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String mint() {
    String token =
        server
            .server()
            .tokens()
            .mint(TestServer.TENANT, DEVICE, "user-" + DEVICE, "surveyor", List.of(), TTL);
    minted.add(token);
    return token;
  }

  private final TokenProvider provider =
      (reason, current) -> {
        asked.add(new Asked(reason, current));
        return providerHasTokens ? mint() : null;
      };

  private TestDevice device(UnaryOperator<io.fieldsync.client.FieldSyncClient.Builder> more) {
    String first = mint();
    return server.device(
        DEVICE, builder -> more.apply(builder.token(first).tokenProvider(provider)));
  }

  private static String household(int n) {
    return String.format(
        "INSERT INTO households (id, region, head_name) VALUES"
            + " ('01890000-0000-7000-8000-%012d', 'north', 'Head %d')",
        n, n);
  }

  private long serverHouseholds() {
    return server.snapshot().toString().lines().filter(line -> line.contains("Head ")).count();
  }

  @Test
  void aTokenNearItsExpiryIsRenewedBeforeItIsUsedAndStored() {
    TestDevice device =
        device(builder -> builder.clock(clock.asClock()).tokenRefreshBefore(Duration.ofMinutes(5)));
    String first = minted.get(0);
    device.sql(household(1));
    device.sync();
    assertThat(asked).isEmpty();

    clock.advance(Duration.ofMinutes(26));
    device.sql(household(2));
    device.sync();
    assertThat(asked).containsExactly(new Asked(TokenProvider.Reason.EXPIRING, first));
    String second = minted.get(1);
    assertThat(device.value("SELECT value FROM _fs_meta WHERE key = 'token'")).isEqualTo(second);

    clock.advance(Duration.ofMinutes(10)); // the first token has expired; the second has not
    device.sql(household(3));
    device.sync();
    assertThat(asked).hasSize(1);
    assertThat(serverHouseholds()).isEqualTo(3);
  }

  @Test
  void aRefusedTokenIsRenewedAndTheRequestMadeAgainOnce() {
    TestDevice device = device(builder -> builder.tokenRefreshBefore(Duration.ZERO));
    String first = minted.get(0);
    device.sql(household(1));
    device.sync();

    clock.advance(TTL.plusMinutes(1));
    device.sql(
        household(2), "UPDATE households SET head_name = 'Head 1b' WHERE head_name = 'Head 1'");
    device.sync();

    assertThat(asked).containsExactly(new Asked(TokenProvider.Reason.REFUSED, first));
    assertThat(server.snapshot().toString()).contains("Head 1b").contains("Head 2");
    server.assertConverged(device);
    // The new token was stored: the database opens and syncs without one given.
    TestDevice reopened = server.reopen(device, UnaryOperator.identity());
    reopened.sql(household(3));
    reopened.sync();
    assertThat(serverHouseholds()).isEqualTo(3);
  }

  @Test
  void withoutAFreshTokenTheRefusalIsReported() {
    TestDevice device = device(builder -> builder.tokenRefreshBefore(Duration.ZERO));
    providerHasTokens = false;
    clock.advance(TTL.plusMinutes(1));
    device.sql(household(1));

    assertThatThrownBy(device.client()::syncNow)
        .isInstanceOf(AuthException.class)
        .hasMessageContaining("token expired at");
    assertThat(asked).extracting(Asked::reason).containsExactly(TokenProvider.Reason.REFUSED);
    assertThat(device.client().status().pending()).isEqualTo(1);
  }

  @Test
  void aWorkerWhoseTokenExpiresKeepsSyncingWithTheRenewedOne() throws Exception {
    TestDevice device = device(builder -> builder.tokenRefreshBefore(Duration.ZERO));
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    device.sql(household(1));
    Eventually.until("the first household reaches the server", () -> serverHouseholds() == 1);

    clock.advance(TTL.plusMinutes(1));
    device.sql(household(2));
    Eventually.until(
        "the second household reaches the server",
        () -> serverHouseholds() == 2,
        () -> events.all.toString());

    assertThat(asked).extracting(Asked::reason).contains(TokenProvider.Reason.REFUSED);
    assertThat(worker.status().state()).isEqualTo(SyncWorker.State.RUNNING);
    assertThat(events.has(WorkerEvent.Stopped.class)).isFalse();

    providerHasTokens = false;
    clock.advance(TTL.plusMinutes(1));
    device.sql(household(3));
    Eventually.until(
        "the worker stops on the refused token",
        () -> worker.status().state() == SyncWorker.State.STOPPED,
        () -> events.all.toString());
    assertThat(events.of(WorkerEvent.Stopped.class).get(0).fatal()).isTrue();
    assertThat(serverHouseholds()).isEqualTo(2);
  }
}
