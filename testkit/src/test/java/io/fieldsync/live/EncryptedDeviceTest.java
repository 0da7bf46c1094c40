package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.insertHousehold;
import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ResyncResult;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.VerifyReport;
import io.fieldsync.client.VerifyReport.Action;
import io.fieldsync.client.VerifyReport.Repair;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A device database encrypted with a {@link DeviceKey}: it syncs, verifies and resyncs like a plain
 * one, and none of its files holds a field value or the token in readable form.
 */
class EncryptedDeviceTest extends LiveServerTest {
  @SeededTest
  void encryptedDeviceSyncsVerifiesAndResyncsAndItsFilesHoldNoFieldValueAndNoToken(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    DeviceKey key = key(random);
    String tokenA = server.token("a");
    String tokenB = server.token("b");
    TestDevice a = server.device("a", builder -> builder.token(tokenA).key(key));
    TestDevice b = server.device("b", builder -> builder.token(tokenB));
    Map<String, String> names = new TreeMap<>();
    int households = 20 + random.nextInt(40);
    for (int n = 1; n <= households; n++) {
      String name = "secret-" + hex(random, 8);
      insertHousehold(a, n, name);
      names.put(uuid(n), name);
    }
    a.sync();
    b.sync();
    for (int n = 1; n <= households; n += 1 + random.nextInt(4)) {
      String name = "edited-" + hex(random, 8);
      b.execute("UPDATE households SET head_name = ? WHERE id = ?", name, uuid(n));
      names.put(uuid(n), name);
    }
    b.sync();
    a.sync();
    assertThat(headNames(a)).isEqualTo(names);
    assertThat(headNames(b)).isEqualTo(names);

    int tampered = 1 + random.nextInt(households);
    int deleted = tampered % households + 1;
    a.sql(
        "UPDATE _fs_state SET capture = 0",
        "UPDATE households SET head_name = 'tampered' WHERE id = '" + uuid(tampered) + "'",
        "DELETE FROM households WHERE id = '" + uuid(deleted) + "'",
        "UPDATE _fs_state SET capture = 1");
    VerifyReport report = a.client().verify();
    assertThat(report.repaired())
        .containsExactlyInAnyOrder(
            new Repair("households", uuid(tampered), Action.UPDATED),
            new Repair("households", uuid(deleted), Action.RESTORED));
    assertThat(headNames(a)).isEqualTo(names);

    ResyncResult resync = a.client().resync();
    assertThat(resync.records()).isEqualTo(households);
    assertThat(headNames(a)).isEqualTo(names);

    List<String> secrets = new ArrayList<>(names.values());
    secrets.add(tokenA);
    assertThat(readable("b.db"))
        .as("the plain device's files, where the search must find the values and its token")
        .contains(names.values().iterator().next())
        .contains(tokenB);
    assertThat(readable("a.db")).as("while the client is open").doesNotContain(secrets);
    a.close();
    assertThat(readable("a.db")).as("after the client closed").doesNotContain(secrets);
  }

  @Test
  void workerOfAnEncryptedDeviceSyncsItsWritesAndTheLiveChannelBringsAnotherDevicesWrites()
      throws Exception {
    DeviceKey key = key(new SplittableRandom(11));
    TestDevice a = server.device("a", builder -> builder.key(key));
    TestDevice b = server.device("b");
    SyncWorker worker = a.client().startWorker();
    Eventually.until("the first sync", () -> worker.status().lastSuccessAt() != null);

    insertHousehold(a, 1, "from-a");
    Eventually.until(
        "a's write to reach the server without a sync call",
        () ->
            server.store().records(TestServer.TENANT, "households", List.of(uuid(1))).get(uuid(1))
                != null);
    insertHousehold(b, 2, "from-b");
    b.sync();
    Eventually.until(
        "b's write to reach a through the live channel",
        () -> "from-b".equals(a.value("SELECT head_name FROM households WHERE id = ?", uuid(2))));
    assertThat(b.value("SELECT head_name FROM households WHERE id = ?", uuid(1)))
        .isEqualTo("from-a");
  }

  @Test
  void openingWithoutTheKeyOrWithAWrongOneFailsClearlyAndLeavesTheFilesUntouched()
      throws Exception {
    DeviceKey key = key(new SplittableRandom(1));
    TestDevice a = server.device("a", builder -> builder.key(key));
    insertHousehold(a, 1, "h1");
    a.sync();
    a.close();
    Path file = dir.resolve("a.db");
    Map<String, String> before = digests("a.db");

    assertThatThrownBy(() -> FieldSyncClient.open(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            file
                + " is encrypted or is not a SQLite database; give its key (--key-file,"
                + " FieldSyncClient.Builder.key)");
    assertThatThrownBy(() -> FieldSyncClient.builder(file).key(key(new SplittableRandom(2))).open())
        .isInstanceOf(ConfigException.class)
        .hasMessage(wrongKey(file));
    assertThat(digests("a.db")).isEqualTo(before);

    TestDevice again = server.open("a", builder -> builder.key(key));
    assertThat(again.value("SELECT head_name FROM households")).isEqualTo("h1");
  }

  @Test
  void plainDatabaseOpenedWithAKeyIsRefusedAndLeftUntouched() throws Exception {
    TestDevice plain = server.device("plain");
    insertHousehold(plain, 1, "h1");
    plain.close();
    Path file = dir.resolve("plain.db");
    Map<String, String> before = digests("plain.db");

    assertThatThrownBy(() -> FieldSyncClient.builder(file).key(key(new SplittableRandom(3))).open())
        .isInstanceOf(ConfigException.class)
        .hasMessage(wrongKey(file));
    assertThat(digests("plain.db")).isEqualTo(before);
  }

  @Test
  void afterRekeyTheNewKeyOpensTheDatabaseAndTheOldOneNoLonger() throws Exception {
    DeviceKey old = key(new SplittableRandom(4));
    DeviceKey next = key(new SplittableRandom(5));
    TestDevice a = server.device("a", builder -> builder.key(old));
    for (int n = 1; n <= 3; n++) {
      insertHousehold(a, n, "h" + n);
    }
    a.sync();
    a.close();
    Path file = dir.resolve("a.db");

    FieldSyncClient.rekey(file, old, next);

    assertThatThrownBy(() -> FieldSyncClient.builder(file).key(old).open())
        .isInstanceOf(ConfigException.class)
        .hasMessage(wrongKey(file));
    TestDevice again = server.open("a", builder -> builder.key(next));
    assertThat(again.value("SELECT group_concat(head_name) FROM households ORDER BY id"))
        .isEqualTo("h1,h2,h3");
    insertHousehold(again, 4, "h4");
    assertThat(again.sync().applied()).isEqualTo(1);
    assertThat(again.value("PRAGMA journal_mode")).isEqualTo("wal");
    TestDevice b = server.device("b");
    b.sync();
    assertThat(b.value("SELECT count(*) FROM households")).isEqualTo(4);
  }

  @Test
  void rekeyWithAWrongCurrentKeyIsRefusedAndChangesNothing() throws Exception {
    DeviceKey key = key(new SplittableRandom(6));
    TestDevice a = server.device("a", builder -> builder.key(key));
    insertHousehold(a, 1, "h1");
    a.close();
    Path file = dir.resolve("a.db");
    Map<String, String> before = digests("a.db");

    assertThatThrownBy(
            () ->
                FieldSyncClient.rekey(
                    file, key(new SplittableRandom(7)), key(new SplittableRandom(8))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(wrongKey(file));
    assertThat(digests("a.db")).isEqualTo(before);
    assertThat(
            server.open("a", builder -> builder.key(key)).value("SELECT count(*) FROM households"))
        .isEqualTo(1);
  }

  @Test
  void rekeyWhileAClientHasTheDatabaseOpenIsRefusedAndTheOldKeyStillOpensIt() throws Exception {
    DeviceKey key = key(new SplittableRandom(9));
    TestDevice a = server.device("a", builder -> builder.key(key));
    insertHousehold(a, 1, "h1");
    a.sync();
    Path file = dir.resolve("a.db");

    assertThatThrownBy(() -> FieldSyncClient.rekey(file, key, key(new SplittableRandom(10))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "another connection has "
                + file
                + " open; close every client of it before changing its key");
    a.close();
    assertThat(
            server.open("a", builder -> builder.key(key)).value("SELECT count(*) FROM households"))
        .isEqualTo(1);
  }

  /**
   * Regression: with {@code org.sqlite.lib.path} naming sqlite-jdbc's native library (bin/fieldsync
   * sets it), the encrypted driver loaded that library, ignored the key and wrote the device in the
   * clear. A child JVM with the property set creates an encrypted device and writes a row.
   */
  @Test
  void deviceIsEncryptedEvenWhenTheSqliteLibraryPathNamesTheUnencryptedLibrary() throws Exception {
    Path natives = dir.resolve("natives");
    String folder = org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS();
    String library = System.mapLibraryName("sqlitejdbc");
    try (var in =
        org.sqlite.JDBC.class.getResourceAsStream("/org/sqlite/native/" + folder + "/" + library)) {
      assertThat(in).as("sqlite-jdbc's native library for %s", folder).isNotNull();
      Files.createDirectories(natives);
      Files.copy(in, natives.resolve(library));
    }
    Path keyFile = dir.resolve("child.key");
    Files.writeString(keyFile, "5a".repeat(DeviceKey.BYTES));
    Files.setPosixFilePermissions(
        keyFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path db = dir.resolve("child.db");
    String token = server.token("child");

    Process child =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Dorg.sqlite.lib.path=" + natives,
                "-cp",
                System.getProperty("java.class.path"),
                Child.class.getName(),
                db.toString(),
                server.uri().toString(),
                token,
                keyFile.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor()).as(output).isZero();

    assertThat(readable("child.db")).doesNotContain(Child.HEAD_NAME).doesNotContain(token);
    TestDevice reopened = server.open("child", builder -> builder.key(DeviceKey.read(keyFile)));
    assertThat(reopened.value("SELECT head_name FROM households")).isEqualTo(Child.HEAD_NAME);
  }

  /** The child JVM: {@code Child DB SERVER TOKEN KEY_FILE}. */
  static final class Child {
    static final String HEAD_NAME = "child-secret-household";

    public static void main(String[] args) {
      try (FieldSyncClient client =
          FieldSyncClient.builder(Path.of(args[0]))
              .server(java.net.URI.create(args[1]))
              .token(args[2])
              .key(DeviceKey.read(Path.of(args[3])))
              .initialize()) {
        try (var connection = client.connection();
            var statement = connection.createStatement()) {
          statement.executeUpdate(
              "INSERT INTO households (id, region, head_name) VALUES ('"
                  + uuid(1)
                  + "', 'north', '"
                  + HEAD_NAME
                  + "')");
        } catch (java.sql.SQLException e) {
          throw new IllegalStateException(e);
        }
        client.syncNow();
      }
      System.exit(0);
    }
  }

  private static String wrongKey(Path file) {
    return "the key does not open "
        + file
        + ": it is a wrong key, or the file is not an encrypted device database (an unencrypted one"
        + " opens without a key)";
  }

  private static DeviceKey key(SplittableRandom random) {
    return DeviceKey.of(bytes(random, DeviceKey.BYTES));
  }

  private static String hex(SplittableRandom random, int bytes) {
    return HexFormat.of().formatHex(bytes(random, bytes));
  }

  private static byte[] bytes(SplittableRandom random, int count) {
    byte[] bytes = new byte[count];
    for (int i = 0; i < count; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  private static Map<String, String> headNames(TestDevice device) {
    Map<String, String> names = new TreeMap<>();
    for (Map<String, Object> row : device.query("SELECT id, head_name FROM households")) {
      names.put((String) row.get("id"), (String) row.get("head_name"));
    }
    return names;
  }

  /** Every file of a device ({@code NAME.db}, {@code -wal}, {@code -shm}, lock), as Latin-1. */
  private String readable(String database) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Path file : files(database)) {
      text.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).append('\n');
    }
    return text.toString();
  }

  private Map<String, String> digests(String database) throws Exception {
    Map<String, String> digests = new TreeMap<>();
    for (Path file : files(database)) {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      digests.put(file.getFileName().toString(), HexFormat.of().formatHex(digest));
    }
    return digests;
  }

  private List<Path> files(String database) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(file -> file.getFileName().toString().startsWith(database)).toList();
    }
  }
}
