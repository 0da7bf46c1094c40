package io.fieldsync.client.internal.state;

import io.fieldsync.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The JDBC driver of SQLite3 Multiple Ciphers, for encrypted device databases.
 *
 * <p>It is a fork of sqlite-jdbc with the same class names, so both cannot share a class path; the
 * server's store and unencrypted devices keep the newer sqlite-jdbc. This jar carries the fork as a
 * nested jar ({@code sqlite-mc.jar}, copied in by the build), loaded here into a class loader of
 * its own whose parent sees the JDK's classes only: there {@code org.sqlite} means the fork, and
 * its native library binds to that loader. Connections come back as plain {@link Connection}s.
 */
final class CipherDriver {
  private static final String NESTED_JAR = "sqlite-mc.jar";

  private CipherDriver() {}

  static Connection connect(String url, Properties properties) throws SQLException {
    return Loaded.DRIVER.connect(url, properties);
  }

  /** Loads the driver on first use: unencrypted devices never pay for it. */
  private static final class Loaded {
    static final Driver DRIVER = load();
  }

  private static Driver load() {
    try (InputStream nested = CipherDriver.class.getResourceAsStream(NESTED_JAR)) {
      if (nested == null) {
        throw new StorageException(
            NESTED_JAR
                + " is missing from the fieldsync client library; encrypted device databases"
                + " need a build that nests it (client/pom.xml)");
      }
      Path jar = Files.createTempFile("fieldsync-sqlite-mc-", ".jar");
      jar.toFile().deleteOnExit();
      Files.copy(nested, jar, StandardCopyOption.REPLACE_EXISTING);
      // The system loader's parent is the platform loader: the JDK's modules (java.sql) and
      // nothing from the application's class path, where sqlite-jdbc's org.sqlite lives.
      ClassLoader jdkOnly = ClassLoader.getSystemClassLoader().getParent();
      URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, jdkOnly);
      return (Driver)
          Class.forName("org.sqlite.JDBC", true, loader).getDeclaredConstructor().newInstance();
    } catch (IOException | ReflectiveOperationException e) {
      throw new StorageException(
          "cannot load the SQLite3 Multiple Ciphers driver for encrypted device databases: " + e,
          e);
    }
  }
}
