package io.fieldsync.store.postgres;

import io.fieldsync.ConfigException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * A PostgreSQL store location, as {@code --db} takes it: {@code postgresql://host:port/db?user=…}
 * (also {@code postgres://} and {@code postgresql://user:password@host/db}, as libpq writes them)
 * or a {@code jdbc:postgresql:…} URL passed to the driver as it is.
 *
 * @param jdbcUrl the URL for the JDBC driver, carrying user and password when given
 * @param display host, port and database, never the password: for messages and logs
 */
record PostgresLocation(String jdbcUrl, String display) {

  private static final String JDBC_PREFIX = "jdbc:postgresql:";

  static boolean accepts(String location) {
    String lower = location.strip().toLowerCase(Locale.ROOT);
    return lower.startsWith(JDBC_PREFIX)
        || lower.startsWith("postgresql://")
        || lower.startsWith("postgres://");
  }

  /**
   * Parses a location.
   *
   * @throws ConfigException when it is not a PostgreSQL URL the driver understands
   */
  static PostgresLocation parse(String location) {
    return parse(location, null);
  }

  /**
   * Parses a location and adds a password given apart from it.
   *
   * @param password null when the location carries the password or none is needed
   * @throws ConfigException when it is not a PostgreSQL URL the driver understands, or the password
   *     is given both in the location and apart
   */
  static PostgresLocation parse(String location, String password) {
    String trimmed = location.strip();
    String lower = trimmed.toLowerCase(Locale.ROOT);
    String jdbcUrl;
    if (lower.startsWith(JDBC_PREFIX)) {
      jdbcUrl = trimmed;
    } else if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
      jdbcUrl = fromLibpqUrl(trimmed.substring(trimmed.indexOf("://") + 3));
    } else {
      throw invalid(location, "expected postgresql://host:port/db or jdbc:postgresql:…");
    }
    Properties parsed = Driver.parseURL(jdbcUrl, new Properties());
    if (parsed == null) {
      throw invalid(location, "the PostgreSQL driver does not understand it");
    }
    if (password != null) {
      if (PGProperty.PASSWORD.getOrDefault(parsed) != null) {
        throw invalid(
            location,
            "it carries a password and a password was given apart from it; give it once (the"
                + " password file or environment keeps it out of process lists)");
      }
      jdbcUrl += (jdbcUrl.contains("?") ? "&" : "?") + "password=" + encode(password);
    }
    String display =
        PGProperty.PG_HOST.getOrDefault(parsed)
            + ":"
            + PGProperty.PG_PORT.getOrDefault(parsed)
            + "/"
            + PGProperty.PG_DBNAME.getOrDefault(parsed);
    return new PostgresLocation(jdbcUrl, display);
  }

  /** {@code [user[:password]@]host[:port][,…]/db[?params]} to a JDBC URL. */
  private static String fromLibpqUrl(String rest) {
    int slash = rest.indexOf('/');
    int at = rest.lastIndexOf('@', slash < 0 ? rest.length() : slash);
    if (at < 0) {
      return JDBC_PREFIX + "//" + rest;
    }
    String userInfo = rest.substring(0, at);
    String hostAndPath = rest.substring(at + 1);
    int colon = userInfo.indexOf(':');
    String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
    StringBuilder url = new StringBuilder(JDBC_PREFIX).append("//").append(hostAndPath);
    url.append(hostAndPath.contains("?") ? '&' : '?').append("user=").append(encode(user));
    if (colon >= 0) {
      url.append("&password=").append(encode(decode(userInfo.substring(colon + 1))));
    }
    return url.toString();
  }

  private static ConfigException invalid(String location, String why) {
    return new ConfigException("invalid PostgreSQL location '" + masked(location) + "': " + why);
  }

  /** The location with any password replaced by {@code ***}. */
  static String masked(String location) {
    return location
        .replaceAll("(?i)(password=)[^&]*", "$1***")
        .replaceAll("(://[^/@:]*):[^/@]*@", "$1:***@");
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
