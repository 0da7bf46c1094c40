package io.fieldsync.cli;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --key-file}: the key of an encrypted device database (docs/security.md). */
final class KeyFileOption {
  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description =
          "Key of an encrypted device database: 64 hex digits (openssl rand -hex 32), readable by"
              + " its owner only; `client init` creates the database encrypted with it")
  Path keyFile;

  /** A client builder for {@code db}, with the key when one was given. */
  FieldSyncClient.Builder builder(Path db) {
    FieldSyncClient.Builder builder = FieldSyncClient.builder(db);
    if (keyFile != null) {
      builder.key(DeviceKey.read(keyFile));
    }
    return builder;
  }

  /** Opens the device database {@code db}, with the key when one was given. */
  FieldSyncClient open(Path db) {
    return builder(db).open();
  }
}
