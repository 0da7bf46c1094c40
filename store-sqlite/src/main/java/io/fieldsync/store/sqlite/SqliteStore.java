package io.fieldsync.store.sqlite;

import io.fieldsync.StorageException;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.jdbc.JdbcSyncStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The embedded server store: one SQLite file in WAL mode. One writer connection, used by one
 * transaction at a time (SQLite allows one writer anyway); up to {@link StoreOptions#poolSize()}
 * reader connections for pulls, which read in parallel with the writer.
 *
 * <p>Thread-safe.
 */
public final class SqliteStore extends JdbcSyncStore {
  /**
   * WAL bytes after which a commit checkpoints itself: a ceiling, since {@link
   * BackgroundCheckpoint} copies the WAL after commits without making them wait.
   */
  static final long WRITER_CHECKPOINT_BYTES = 80L << 20;

  /**
   * The page size of a new store file (an existing file keeps its own). A pushed record adds rows
   * to seven b-trees, mostly at their right edge; on pages of 16 KiB instead of SQLite's 4 KiB the
   * writer fills and splits a quarter as many pages, and a commit writes fewer page headers and WAL
   * frames.
   */
  static final int PAGE_SIZE = 16_384;

  private final Path file;
  private final SQLiteDataSource writerSource;
  private final SQLiteDataSource readerSource;
  private final ReentrantLock writerLock = new ReentrantLock(true);
  private final BlockingQueue<Connection> idleReaders;
  private final int maxReaders;
  private final int busyTimeoutMillis;
  private int openReaders;
  private Connection writer;
  private final BackgroundCheckpoint checkpoint;
  private volatile boolean closed;

  /** How long a write waited for the one writer connection. */
  private final Timer writerWait;

  /**
   * Opens (creating when missing) the database file.
   *
   * @throws StorageException when the file cannot be opened
   */
  public SqliteStore(Path file, StoreOptions options) {
    super(SqliteDialect.INSTANCE);
    this.file = file.toAbsolutePath();
    this.maxReaders = options.poolSize();
    this.busyTimeoutMillis = options.busyTimeoutMillis();
    this.idleReaders = new ArrayBlockingQueue<>(maxReaders);
    this.writerSource = source(options);
    this.readerSource = source(options);
    this.writerWait = registerPoolMeters();
    try {
      sizeNewFile();
      writer = openWriter();
    } catch (SQLException e) {
      throw new StorageException(
          "cannot open SQLite database " + this.file + ": " + e.getMessage(), e);
    }
    this.checkpoint =
        new BackgroundCheckpoint(readerSource::getConnection, "fieldsync-sqlite-checkpoint");
  }

  private SQLiteDataSource source(StoreOptions options) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(options.busyTimeoutMillis());
    config.enforceForeignKeys(false);
    SQLiteDataSource source = new SQLiteDataSource(config);
    source.setUrl("jdbc:sqlite:" + file);
    return source;
  }

  /**
   * Gives a missing or empty database file {@link #PAGE_SIZE} pages. The size is fixed when the
   * file gets its header, which turning on WAL writes, so it is set on a connection of its own
   * first.
   */
  private void sizeNewFile() throws SQLException {
    if (Files.exists(file) && file.toFile().length() > 0) {
      return;
    }
    SQLiteDataSource plain = new SQLiteDataSource();
    plain.setUrl("jdbc:sqlite:" + file);
    try (Connection connection = plain.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA page_size = " + PAGE_SIZE);
      statement.execute("PRAGMA journal_mode = WAL");
    }
  }

  /**
   * The writer connection. Its automatic checkpoint, which runs inside a commit under the writer
   * lock, waits for {@value #WRITER_CHECKPOINT_BYTES} bytes of WAL pages instead of SQLite's 1,000
   * pages: the background checkpoint does the copying between commits.
   */
  private Connection openWriter() throws SQLException {
    Connection connection = writerSource.getConnection();
    try (Statement statement = connection.createStatement()) {
      long pageSize;
      try (ResultSet row = statement.executeQuery("PRAGMA page_size")) {
        row.next();
        pageSize = row.getLong(1);
      }
      statement.execute("PRAGMA wal_autocheckpoint = " + WRITER_CHECKPOINT_BYTES / pageSize);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
    return connection;
  }

  private Timer registerPoolMeters() {
    Gauge.builder("fieldsync.store.writer.waiting", writerLock, ReentrantLock::getQueueLength)
        .description("Threads waiting for the SQLite writer connection")
        .register(poolMeters);
    Gauge.builder("fieldsync.store.readers.open", this, store -> store.openReaders())
        .description("SQLite reader connections open")
        .register(poolMeters);
    Gauge.builder("fieldsync.store.readers.idle", idleReaders, BlockingQueue::size)
        .description("SQLite reader connections open and not in use")
        .register(poolMeters);
    Gauge.builder("fieldsync.store.readers.max", () -> maxReaders)
        .description("SQLite reader connections at most")
        .register(poolMeters);
    return Timer.builder("fieldsync.store.writer.wait")
        .description("Time a write waited for the SQLite writer connection")
        .serviceLevelObjectives(
            Duration.ofMillis(1),
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            Duration.ofSeconds(10))
        .register(poolMeters);
  }

  private synchronized int openReaders() {
    return openReaders;
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  @Override
  protected String location() {
    return file.toString();
  }

  /** The one writer connection lives until the store closes and serves one write at a time. */
  @Override
  protected boolean keepsWriterStatements() {
    return true;
  }

  @Override
  protected Connection acquireWriter() throws SQLException {
    long waitStarted = System.nanoTime();
    try {
      boolean locked = writerLock.tryLock(busyTimeoutMillis, TimeUnit.MILLISECONDS);
      writerWait.record(System.nanoTime() - waitStarted, TimeUnit.NANOSECONDS);
      if (!locked) {
        throw new StorageException(
            "sqlite store " + file + ": the writer stayed busy for " + busyTimeoutMillis + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while waiting for the sqlite writer", e);
    }
    if (closed) {
      writerLock.unlock();
      throw new StorageException("sqlite store " + file + " is closed");
    }
    if (writer == null || writer.isClosed()) {
      try {
        writer = openWriter();
      } catch (SQLException e) {
        writerLock.unlock();
        throw e;
      }
    }
    return writer;
  }

  @Override
  protected void releaseWriter(Connection connection, boolean broken) {
    try {
      if (broken) {
        closeQuietly(connection);
        writer = null;
      }
    } finally {
      writerLock.unlock();
    }
  }

  @Override
  protected void afterCommit(String tenant, long sequence) {
    super.afterCommit(tenant, sequence);
    checkpoint.request();
  }

  @Override
  protected Connection acquireReader() throws SQLException {
    if (closed) {
      throw new StorageException("sqlite store " + file + " is closed");
    }
    Connection idle = idleReaders.poll();
    if (idle != null) {
      return idle;
    }
    synchronized (this) {
      if (openReaders < maxReaders) {
        Connection opened = readerSource.getConnection();
        openReaders++;
        return opened;
      }
    }
    try {
      Connection waited = idleReaders.poll(busyTimeoutMillis, TimeUnit.MILLISECONDS);
      if (waited == null) {
        throw new StorageException(
            "sqlite store "
                + file
                + ": all "
                + maxReaders
                + " readers stayed busy for "
                + busyTimeoutMillis
                + " ms");
      }
      return waited;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while waiting for a sqlite reader", e);
    }
  }

  @Override
  protected void releaseReader(Connection connection, boolean broken) {
    if (broken || closed || !idleReaders.offer(connection)) {
      closeQuietly(connection);
      synchronized (this) {
        openReaders--;
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    checkpoint.close();
    Connection idle;
    while ((idle = idleReaders.poll()) != null) {
      closeQuietly(idle);
    }
    writerLock.lock();
    try {
      if (writer != null) {
        closeQuietly(writer);
        writer = null;
      }
    } finally {
      writerLock.unlock();
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the connection is being discarded; a failure to close it changes nothing
    }
  }

  @Override
  public String toString() {
    return "sqlite:" + file;
  }
}
