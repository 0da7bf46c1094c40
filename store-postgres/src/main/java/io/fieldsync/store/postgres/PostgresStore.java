package io.fieldsync.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.fieldsync.StorageException;
import io.fieldsync.schema.Schema;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.jdbc.JdbcSyncStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
              1, "baseline: metadata tables of the shared JDBC engine", List.of()));

  private final PostgresLocation location;
  private final HikariDataSource pool;

  PostgresStore(PostgresLocation location, StoreOptions options) {
    super(new PostgresDialect());
    this.location = location;
    HikariConfig config = new HikariConfig();
    config.setPoolName("fieldsync-postgres " + location.display());
    config.setJdbcUrl(location.jdbcUrl());
    config.setMaximumPoolSize(options.poolSize());
    config.setConnectionTimeout(Math.max(250, options.busyTimeoutMillis()));
    // lock_timeout 0 would mean "wait forever"; a busy timeout of 0 means "do not wait".
    config.setConnectionInitSql("SET lock_timeout = " + Math.max(1, options.busyTimeoutMillis()));
    config.addDataSourceProperty("ApplicationName", "fieldsync");
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
    try (Connection lock = new Driver().connect(location.jdbcUrl(), new Properties())) {
      try (PreparedStatement statement = lock.prepareStatement("SELECT pg_advisory_lock(?)")) {
        statement.setLong(1, MetadataMigrations.LOCK_KEY);
        statement.execute();
      }
      try {
        lock.setAutoCommit(false);
        new MetadataMigrations(STEPS).apply(lock);
        lock.commit();
        lock.setAutoCommit(true);
        super.migrate(schema);
      } finally {
        try (PreparedStatement statement =
            lock.prepareStatement("SELECT pg_advisory_unlock_all()")) {
          if (!lock.getAutoCommit()) {
            lock.rollback();
            lock.setAutoCommit(true);
          }
          statement.execute();
        }
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
    pool.close();
  }
}
