package io.fieldsync.client;

import java.nio.file.Path;

/**
 * Child process for {@link CrashSafetyTest}: pulls a five-record page into the given database and
 * halts, as a killed process would, after the third row of the page is written.
 */
public final class HaltDuringPullMain {
  private HaltDuringPullMain() {}

  public static void main(String[] args) {
    FakeServer server = new FakeServer();
    CrashSafetyTest.fivePages(server);
    try (FieldSyncClient client =
        FieldSyncClient.builder(Path.of(args[0]))
            .transport(server)
            .faultInjector(
                rows -> {
                  if (rows >= 3) {
                    Runtime.getRuntime().halt(77);
                  }
                })
            .open()) {
      client.syncNow();
    }
    System.exit(0);
  }
}
