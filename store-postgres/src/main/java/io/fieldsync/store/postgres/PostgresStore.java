package io.fieldsync.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Schema;
import io.fieldsync.store.CommitListener;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.jdbc.JdbcSyncStore;
import io.fieldsync.store.jdbc.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * The sync store on PostgreSQL, for one or several server nodes on one database: the shared JDBC
 * engine with {@link PostgresDialect}, connections from a HikariCP pool.
 *
 * <p>Several nodes may open the same database at once. {@link #migrate} holds a database-wide
 * advisory lock while it runs, so concurrent starts migrate the tables once; pushes of one tenant
 * serialise on the tenant's sequence row (see {@code docs/storage.md}), whichever node they reach.
 *
 * <p>Thread-safe.
 */
final class PostgresStore extends JdbcSyncStore {
  /**
   * The store's own numbered steps, recorded in {@code _fs_migrations}. Step 1 is the baseline: the
   * metadata tables the shared engine creates (idempotently) in {@code migrate}. Later
   * PostgreSQL-only changes to metadata are appended here, never edited.
   */
  static final List<MetadataMigrations.Step> STEPS =
      List.of(
          new MetadataMigrations.Step(
              1, "baseline: metadata tables of the shared JDBC engine", List.of()),
          new MetadataMigrations.Step(
              2,
              "_fs_revoked: devices whose older tokens are refused",
              List.of(
                  "CREATE TABLE IF NOT EXISTS _fs_revoked (tenant TEXT NOT NULL, device TEXT NOT"
                      + " NULL, issued_up_to BIGINT NOT NULL, PRIMARY KEY (tenant, device))")),
          new MetadataMigrations.Step(
              3,
              "_fs_devices: each device's highest committed batch number",
              List.of(
                  "CREATE TABLE IF NOT EXISTS _fs_devices (tenant TEXT NOT NULL, device TEXT NOT"
                      + " NULL, last_batch BIGINT NOT NULL, PRIMARY KEY (tenant, device))")));

  private final PostgresLocation location;
  private final HikariDataSource pool;
  private final CommitNotifications notifications;

  PostgresStore(PostgresLocation location, StoreOptions options) {
    super(new PostgresDialect());
    this.location = location;
    this.notifications = new CommitNotifications(location, this::notifyCommitted);
    HikariConfig config = new HikariConfig();
    config.setPoolName("fieldsync-postgres " + location.display());
    config.setJdbcUrl(location.jdbcUrl());
    config.setMaximumPoolSize(options.poolSize());
    config.setConnectionTimeout(Math.max(250, options.busyTimeoutMillis()));
    // lock_timeout 0 would mean "wait forever"; a busy timeout of 0 means "do not wait".
    config.setConnectionInitSql("SET lock_timeout = " + Math.max(1, options.busyTimeoutMillis()));
    config.addDataSourceProperty("ApplicationName", "fieldsync");
    // HikariCP's own Micrometer binding: hikaricp_connections_{active,idle,pending,...} and the
    // time to get a connection (hikaricp_connections_acquire_seconds), tagged with the pool name.
    config.setMetricRegistry(poolMeters);
    try {
      this.pool = new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new StorageException(
          "postgresql store "
              + location.display()
              + ": cannot connect: "
              + cause.getMessage()
              + (cause instanceof SQLException sql && sql.getSQLState() != null
                  ? " (SQLState " + sql.getSQLState() + ")"
                  : ""),
          cause);
    }
  }

  /**
   * Migrates under a session-level advisory lock held on a connection of its own, so that nodes
   * starting together run one after the other: the first creates and alters the tables, the next
   * ones find them done. The lock is released when this returns (or the connection drops).
   */
  @Override
  public void migrate(Schema schema) {
    migrate(schema, () -> {});
  }

  /**
   * As {@link #migrate(Schema)}, running {@code then} after the tables are migrated and before the
   * lock is released.
   */
  @Override
  public void migrate(Schema schema, Runnable then) {
    try (Connection lock = new Driver().connect(location.jdbcUrl(), new Properties())) {
      Queries queries = new Queries(lock);
      queries.execute("SELECT pg_advisory_lock(?)", MetadataMigrations.LOCK_KEY);
      try {
        lock.setAutoCommit(false);
        new MetadataMigrations(STEPS).apply(lock);
        lock.commit();
        lock.setAutoCommit(true);
        super.migrate(schema);
        then.run();
      } finally {
        if (!lock.getAutoCommit()) {
          lock.rollback();
          lock.setAutoCommit(true);
        }
        queries.execute("SELECT pg_advisory_unlock_all()");
      }
    } catch (SQLException e) {
      throw new StorageException(
          "postgresql store "
              + location.display()
              + ": failed migrating the schema: "
              + e.getMessage()
              + (e.getSQLState() == null ? "" : " (SQLState " + e.getSQLState() + ")"),
          e);
    }
  }

  /**
   * Announces the commit to every node: {@code NOTIFY} is transactional, so listeners hear it only
   * if and when this transaction commits, and in commit order.
   */
  @Override
  protected void beforeCommit(Connection connection, String tenant, long sequence)
      throws SQLException {
    new Queries(connection)
        .execute("SELECT pg_notify(?, ?)", CommitNotifications.CHANNEL, tenant + ":" + sequence);
  }

  /** Nothing here: this node's own commits reach its listeners through LISTEN like any other. */
  @Override
  protected void afterCommit(String tenant, long sequence) {}

  /**
   * Registers the listener and, on the first registration, starts listening ({@link
   * CommitNotifications}). LISTEN is active when this returns, so every commit after it is
   * reported.
   *
   * @throws StorageException when the LISTEN connection cannot be opened
   * @throws IllegalStateException when the store is closed
   */
  @Override
  public CommitListener.Registration onCommit(CommitListener listener) {
    notifications.start();
    return super.onCommit(listener);
  }

  @Override
  protected Connection acquireWriter() throws SQLException {
    return pool.getConnection();
  }

  @Override
  protected void releaseWriter(Connection connection, boolean broken) {
    release(connection, broken);
  }

  @Override
  protected Connection acquireReader() throws SQLException {
    return pool.getConnection();
  }

  @Override
  protected void releaseReader(Connection connection, boolean broken) {
    release(connection, broken);
  }

  private void release(Connection connection, boolean broken) {
    if (broken) {
      pool.evictConnection(connection);
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      pool.evictConnection(connection);
    }
  }

  @Override
  protected String location() {
    return location.display();
  }

  @Override
  public void close() {
    notifications.close();
    pool.close();
  }
}
