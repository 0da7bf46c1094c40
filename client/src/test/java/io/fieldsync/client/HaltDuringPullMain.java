package io.fieldsync.client;

import java.nio.file.Path;

/** Child process for {@link CrashSafetyTest}: pulls a five-record page into the given database. */
public final class HaltDuringPullMain {
  private HaltDuringPullMain() {}

  public static void main(String[] args) {
    FakeServer server = new FakeServer();
    CrashSafetyTest.fivePages(server);
    try (FieldSyncClient client =
        FieldSyncClient.builder(Path.of(args[0])).transport(server).open()) {
      client.syncNow();
    }
    System.exit(0);
  }
}
