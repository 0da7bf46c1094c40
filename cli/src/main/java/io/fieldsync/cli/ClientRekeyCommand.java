package io.fieldsync.cli;

import io.fieldsync.client.DeviceKey;
import io.fieldsync.client.FieldSyncClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "rekey",
    mixinStandardHelpOptions = true,
    description =
        "Changes the key of an encrypted device database. Stop every client of the database"
            + " first (a running `client run`, the application).")
final class ClientRekeyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--db", required = true, description = "Device database file")
  Path db;

  @Option(
      names = "--key-file",
      required = true,
      paramLabel = "OLD",
      description = "The database's current key file")
  Path keyFile;

  @Option(
      names = "--new-key-file",
      required = true,
      paramLabel = "NEW",
      description = "The new key file: 64 hex digits (openssl rand -hex 32), owner-only")
  Path newKeyFile;

  @Override
  public Integer call() {
    FieldSyncClient.rekey(db, DeviceKey.read(keyFile), DeviceKey.read(newKeyFile));
    spec.commandLine().getOut().printf("changed the key of %s; it opens with %s%n", db, newKeyFile);
    return 0;
  }
}
