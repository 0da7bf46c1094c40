package io.fieldsync.testkit.sim;

import io.fieldsync.StorageException;
import io.fieldsync.client.FieldSyncClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.sqlite.Function;

/**
 * One simulated device: the real {@link FieldSyncClient} on a real device database file, and its
 * user's own JDBC connection, on which plain SQL writes are captured by the real triggers. The
 * user's connection reads the device's virtual clock: {@code julianday('now')}, which the capture
 * triggers stamp writes with, is replaced on it by a function of that clock.
 */
final class SimDevice {
  final int index;
  final String name;
  final Path file;
  final SimTransport transport;
  private final LongSupplier wallClock;
  private final UnaryOperator<FieldSyncClient.Builder> settings;
  private FieldSyncClient client;
  private Connection user;

  SimDevice(
      int index,
      Path file,
      SimTransport transport,
      LongSupplier wallClock,
      UnaryOperator<FieldSyncClient.Builder> settings) {
    this.index = index;
    this.name = "d" + index;
    this.file = file;
    this.transport = transport;
    this.wallClock = wallClock;
    this.settings = settings;
  }

  void initialize() {
    client = builder().initialize();
    openUser();
  }

  /** Opens a database made already (a copy of a template). */
  void open() {
    client = builder().open();
    openUser();
  }

  FieldSyncClient client() {
    return client;
  }

  private FieldSyncClient.Builder builder() {
    return settings.apply(
        FieldSyncClient.builder(file).transport(transport).clock(new VirtualClock(wallClock)));
  }

  /**
   * The device dies: its open transactions roll back (the user's too), nothing else is cleaned up,
   * and it starts again from what its database file holds.
   */
  void crashAndReopen() {
    closeAll();
    client = builder().open();
    openUser();
  }

  /**
   * The app is updated: the closed database is rewritten as the older library of {@code layout} (1
   * or 4) left it, and this library opens it, upgrading it in one transaction. With {@code
   * crashInside} the device dies inside that transaction first (rolled back: the old layout must
   * still be there), and opens again; with {@code crashAfter} it dies right after the upgrade
   * committed, and opens again.
   *
   * @return what happened, for the trace
   */
  String upgradeFrom(long layout, boolean crashInside, boolean crashAfter) {
    closeAll();
    if (layout == 1) {
      OlderLayout.layout1(file);
    } else {
      OlderLayout.layout4(file);
    }
    StringBuilder note = new StringBuilder("opened by the new library from layout " + layout);
    if (crashInside) {
      OlderLayout.armCrash(file);
      try {
        builder().open().close();
        throw new AssertionError(name + ": the armed upgrade committed");
      } catch (StorageException e) {
        note.append(", died inside the upgrade (").append(e.getMessage()).append(')');
      } finally {
        OlderLayout.disarm(file);
      }
      long left = OlderLayout.layout(file);
      if (left != layout) {
        throw new AssertionError(
            name + ": a crash inside the upgrade left layout " + left + ", not " + layout);
      }
    }
    client = builder().open();
    openUser();
    if (crashAfter) {
      crashAndReopen();
      note.append(", died after it committed");
    }
    long now = OlderLayout.layout(file);
    if (now != io.fieldsync.client.internal.capture.LocalSchema.LAYOUT) {
      throw new AssertionError(name + ": the upgrade left layout " + now);
    }
    return note.toString();
  }

  private void closeAll() {
    try {
      user.close();
    } catch (SQLException e) {
      throw new StorageException(name + ": closing the user's connection: " + e.getMessage(), e);
    }
    client.close();
  }

  void close() {
    try {
      user.close();
    } catch (SQLException e) {
      throw new StorageException(name + ": " + e.getMessage(), e);
    }
    client.close();
  }

  private void openUser() {
    try {
      user = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement statement = user.createStatement()) {
        statement.execute("PRAGMA busy_timeout = 5000");
      }
      Function.create(
          user,
          "julianday",
          new Function() {
            @Override
            protected void xFunc() throws SQLException {
              if (args() != 1 || !"now".equals(value_text(0))) {
                error("the simulated device clock answers julianday('now') only");
              }
              result(wallClock.getAsLong() / 86_400_000.0 + 2_440_587.5);
            }
          });
    } catch (SQLException e) {
      throw new StorageException(name + ": opening the user's connection: " + e.getMessage(), e);
    }
  }

  /** The user's connection (autocommit unless the caller turns it off). */
  Connection user() {
    return user;
  }

  List<String> localIds() {
    return strings("SELECT id FROM items ORDER BY id");
  }

  List<String> strings(String sql, Object... parameters) {
    List<String> result = new ArrayList<>();
    try (PreparedStatement statement = prepare(sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(rows.getString(1));
      }
    } catch (SQLException e) {
      throw new StorageException(name + ": " + sql + ": " + e.getMessage(), e);
    }
    return result;
  }

  Object value(String sql, Object... parameters) {
    try (PreparedStatement statement = prepare(sql, parameters);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getObject(1) : null;
    } catch (SQLException e) {
      throw new StorageException(name + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  long longValue(String sql, Object... parameters) {
    Object value = value(sql, parameters);
    return value == null ? 0 : ((Number) value).longValue();
  }

  int execute(String sql, Object... parameters) {
    try (PreparedStatement statement = prepare(sql, parameters)) {
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new StorageException(name + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
    PreparedStatement statement = user.prepareStatement(sql);
    for (int i = 0; i < parameters.length; i++) {
      statement.setObject(i + 1, parameters[i]);
    }
    return statement;
  }

  /** A {@link Clock} over the device's virtual wall clock. */
  private static final class VirtualClock extends Clock {
    private final LongSupplier millis;

    VirtualClock(LongSupplier millis) {
      this.millis = millis;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.getAsLong());
    }

    @Override
    public long millis() {
      return millis.getAsLong();
    }
  }
}
