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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
  private static final String LIB_PATH = "org.sqlite.lib.path";
  private static final String LIB_NAME = "org.sqlite.lib.name";

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
      Driver driver =
          (Driver)
              Class.forName("org.sqlite.JDBC", true, loader).getDeclaredConstructor().newInstance();
      loadNativeLibrary(driver);
      return driver;
    } catch (IOException | ReflectiveOperationException e) {
      throw new StorageException(
          "cannot load the SQLite3 Multiple Ciphers driver for encrypted device databases: " + e,
          e);
    }
  }

  /**
   * Makes the driver load its own native library, and proves it did: both drivers read the
   * process-wide {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}, which name
   * sqlite-jdbc's library when set (bin/fieldsync sets them), and with that library {@code PRAGMA
   * key} would be ignored and the database written in the clear. The properties are lifted for the
   * first connection, which loads the library; a sqlite-jdbc loading meanwhile on another thread
   * only unpacks its own library from its jar.
   */
  private static void loadNativeLibrary(Driver driver) {
    Properties system = System.getProperties();
    synchronized (system) {
      String path = system.getProperty(LIB_PATH);
      String name = system.getProperty(LIB_NAME);
      system.remove(LIB_PATH);
      system.remove(LIB_NAME);
      try (Connection probe = driver.connect("jdbc:sqlite::memory:", new Properties());
          Statement statement = probe.createStatement();
          ResultSet version = statement.executeQuery("SELECT sqlite3mc_version()")) {
        version.next();
      } catch (SQLException e) {
        throw new StorageException(
            "the driver for encrypted device databases loaded a SQLite without encryption ("
                + LIB_PATH
                + "="
                + path
                + "); refusing to write device data in the clear: "
                + e.getMessage(),
            e);
      } finally {
        if (path != null) {
          system.setProperty(LIB_PATH, path);
        }
        if (name != null) {
          system.setProperty(LIB_NAME, name);
        }
      }
    }
  }
}
