package io.fieldsync.store.postgres.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;

/**
 * One fresh, empty database on the test PostgreSQL server, made by {@link TestPostgres}.
 *
 * @param name the database name
 * @param host host of the server
 * @param port port of the server
 * @param user a user that owns the database
 * @param password its password (empty for the embedded server, which trusts local connections)
 */
public record TestDatabase(String name, String host, int port, String user, String password) {

  public TestDatabase {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    password = password == null ? "" : password;
  }

  /** A {@code jdbc:postgresql:} URL carrying user and password. */
  public String jdbcUrl() {
    return "jdbc:" + location();
  }

  /**
   * The location in the form {@code fieldsync server --db} takes: {@code
   * postgresql://host:port/db?user=…&password=…}.
   */
  public String location() {
    StringBuilder url =
        new StringBuilder("postgresql://")
            .append(host.contains(":") ? "[" + host + "]" : host)
            .append(':')
            .append(port)
            .append('/')
            .append(name)
            .append("?user=")
            .append(encode(user));
    if (!password.isEmpty()) {
      url.append("&password=").append(encode(password));
    }
    return url.toString();
  }

  /** A plain JDBC connection (auto-commit) to this database; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
