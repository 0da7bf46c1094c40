package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device whose push directly follows what it has pulled moves its cursor over its own writes
 * instead of pulling pages of nothing; when another device committed in between, it pulls, and
 * nothing the other device wrote is missed.
 */
class OwnPushCursorTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void aPushThatFollowsTheCursorEndsWithOneEmptyPull() {
    CountingTransport network = new CountingTransport(transport("tablet"));
    TestDevice tablet =
        server.device("tablet", builder -> builder.transport(network).batchSize(50));
    Households written = new Households(0x0190_0000_0000_7000L);
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 230; i++) {
      written.insert(tablet, random);
    }
    network.pulls = 0;

    SyncResult result = tablet.sync();

    assertThat(result.pushed()).isEqualTo(230);
    assertThat(result.pulled()).isZero();
    assertThat(network.pulls).as("pull requests after the push").isEqualTo(1);
    assertThat(result.cursor()).isEqualTo(230);
    assertThat(households(server.query("SELECT id, head_name FROM households")))
        .isEqualTo(written.rows);
  }

  @SeededTest(runs = 4)
  void anotherDevicesCommitsBetweenBatchesAreStillPulled(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Households aWrites = new Households(0x0190_0000_0000_7a00L);
    Households bWrites = new Households(0x0190_0000_0000_7b00L);
    TestDevice b = server.device("b", builder -> builder.batchSize(1 + random.nextInt(20)));
    CountingTransport network = new CountingTransport(transport("a"));
    TestDevice a =
        server.device("a", builder -> builder.transport(network).batchSize(1 + random.nextInt(20)));
    // Before some of A's pushes B writes and syncs: its commits land between A's batches.
    network.beforePush =
        () -> {
          if (random.nextInt(3) == 0) {
            for (int i = random.nextInt(1, 6); i > 0; i--) {
              bWrites.randomEdit(b, random);
            }
            b.sync();
          }
        };
    for (int round = 0; round < 6; round++) {
      for (int i = random.nextInt(10, 60); i > 0; i--) {
        aWrites.randomEdit(a, random);
      }
      if (random.nextBoolean()) {
        bWrites.randomEdit(b, random);
        b.sync();
      }
      a.sync();
    }
    network.beforePush = () -> {};
    b.sync();
    a.sync();

    Map<String, String> expected = new TreeMap<>(aWrites.rows);
    expected.putAll(bWrites.rows);
    assertThat(households(server.query("SELECT id, head_name FROM households")))
        .as("the server")
        .isEqualTo(expected);
    assertThat(households(a.query("SELECT id, head_name FROM households")))
        .as("device A")
        .isEqualTo(expected);
    assertThat(households(b.query("SELECT id, head_name FROM households")))
        .as("device B")
        .isEqualTo(expected);
  }

  private Transport transport(String device) {
    return new HttpTransport(server.uri(), server.token(device));
  }

  private static Map<String, String> households(List<Map<String, Object>> rows) {
    Map<String, String> result = new TreeMap<>();
    for (Map<String, Object> row : rows) {
      result.put((String) row.get("id"), (String) row.get("head_name"));
    }
    return result;
  }

  /** One device's households, by id: ids of its own, so two devices never edit the same one. */
  private static final class Households {
    final Map<String, String> rows = new TreeMap<>();
    private final long prefix;
    private int created;

    Households(long prefix) {
      this.prefix = prefix;
    }

    void randomEdit(TestDevice device, SplittableRandom random) {
      int kind = random.nextInt(10);
      if (rows.isEmpty() || kind < 5) {
        insert(device, random);
      } else {
        List<String> ids = new ArrayList<>(rows.keySet());
        String id = ids.get(random.nextInt(ids.size()));
        if (kind < 9) {
          String head = "head " + random.nextInt(1_000_000);
          device.execute("UPDATE households SET head_name = ? WHERE id = ?", head, id);
          rows.put(id, head);
        } else {
          device.execute("DELETE FROM households WHERE id = ?", id);
          rows.remove(id);
        }
      }
    }

    void insert(TestDevice device, SplittableRandom random) {
      String id = new UUID(prefix, 0x8000_0000_0000_0000L | ++created).toString();
      String head = "head " + random.nextInt(1_000_000);
      device.execute(
          "INSERT INTO households (id, region, head_name) VALUES (?, 'north', ?)", id, head);
      rows.put(id, head);
    }
  }

  /** Counts pull requests and runs {@link #beforePush} before each push. */
  private static final class CountingTransport implements Transport {
    private final Transport delegate;
    Runnable beforePush = () -> {};
    int pulls;

    CountingTransport(Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public SchemaResponse schema() {
      return delegate.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      beforePush.run();
      return delegate.push(request);
    }

    @Override
    public PushResponse push(EncodedPush push) {
      beforePush.run();
      return delegate.push(push);
    }

    @Override
    public PullResponse pull(PullRequest request) {
      pulls++;
      return delegate.pull(request);
    }
  }
}
