package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code client init|sync|status --key-file} and {@code client rekey} against a real server. */
class ClientKeyFileTest {
  private static final String RECORD = "0190f3a4-0000-7000-8000-000000000001";
  private static final String HEAD_NAME = "Fatou-Keyed-Household";

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void initWithAKeyFileMakesAnEncryptedDeviceThatSyncsAndRekeys() throws Exception {
    Path db = dir.resolve("tablet.db");
    Path key = keyFile("tablet.key", "11");
    String token = server.token("tablet");

    CommandRun init = init(db, token, key);
    assertThat(init.exitCode()).as("%s", init).isZero();
    assertThat(init.out()).startsWith("initialised " + db + ": device tablet, tenant acme");

    try (FieldSyncClient client = FieldSyncClient.builder(db).key(DeviceKey.read(key)).open();
        Connection connection = client.connection();
        Statement sql = connection.createStatement()) {
      sql.executeUpdate(
          "INSERT INTO households (id, region, head_name, visit_count, tags) VALUES ('"
              + RECORD
              + "', 'north', '"
              + HEAD_NAME
              + "', 0, '[]')");
    }
    CommandRun sync =
        CommandRun.of("client", "sync", "--db", db.toString(), "--key-file", key.toString());
    assertThat(sync.exitCode()).as("%s", sync).isZero();
    assertThat(sync.out()).startsWith("pushed 1 (applied 1, merged 0, rejected 0, parked 0)");
    StoredRecord stored =
        server.store().records(TestServer.TENANT, "households", List.of(RECORD)).get(RECORD);
    assertThat(stored.values()).containsEntry("head_name", HEAD_NAME);
    String bytes = new String(Files.readAllBytes(db), StandardCharsets.ISO_8859_1);
    assertThat(bytes).doesNotContain(HEAD_NAME).doesNotContain(token);

    CommandRun withoutKey = CommandRun.of("client", "status", "--db", db.toString());
    assertThat(withoutKey.exitCode()).as("%s", withoutKey).isEqualTo(1);
    assertThat(withoutKey.err())
        .isEqualTo(
            "fieldsync: "
                + db
                + " is encrypted or is not a SQLite database; give its key (--key-file,"
                + " FieldSyncClient.Builder.key)\n");

    Path next = keyFile("next.key", "22");
    CommandRun rekey =
        CommandRun.of(
            "client",
            "rekey",
            "--db",
            db.toString(),
            "--key-file",
            key.toString(),
            "--new-key-file",
            next.toString());
    assertThat(rekey.exitCode()).as("%s", rekey).isZero();
    assertThat(rekey.out())
        .isEqualTo("changed the key of " + db + "; it opens with " + next + "\n");

    CommandRun oldKey =
        CommandRun.of("client", "status", "--db", db.toString(), "--key-file", key.toString());
    assertThat(oldKey.exitCode()).as("%s", oldKey).isEqualTo(1);
    assertThat(oldKey.err())
        .isEqualTo(
            "fieldsync: the key does not open "
                + db
                + ": it is a wrong key, or the file is not an encrypted device database (an"
                + " unencrypted one opens without a key)\n");
    CommandRun status =
        CommandRun.of("client", "status", "--db", db.toString(), "--key-file", next.toString());
    assertThat(status.exitCode()).as("%s", status).isZero();
    assertThat(status.out()).contains("device      tablet\n").contains("pending     0\n");
  }

  @Test
  void keyFileOtherUsersCanReadIsRefusedBeforeAnythingIsCreated() throws Exception {
    Path db = dir.resolve("tablet.db");
    Path key = keyFile("open.key", "33");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

    CommandRun init = init(db, server.token("tablet"), key);

    assertThat(init.exitCode()).as("%s", init).isEqualTo(1);
    assertThat(init.err())
        .isEqualTo(
            "fieldsync: key file "
                + key
                + " is open to other users (rw-r--r--); restrict it with `chmod 600 "
                + key
                + "`\n");
    assertThat(db).doesNotExist();
  }

  private CommandRun init(Path db, String token, Path key) {
    return CommandRun.of(
        "client",
        "init",
        "--db",
        db.toString(),
        "--server",
        server.uri().toString(),
        "--token",
        token,
        "--key-file",
        key.toString());
  }

  private Path keyFile(String name, String hexByte) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, hexByte.repeat(DeviceKey.BYTES) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
