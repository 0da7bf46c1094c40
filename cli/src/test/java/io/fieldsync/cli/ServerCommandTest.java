package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerCommandTest {

  @Test
  void storeLocationIsLoggedWithoutItsPassword() {
    assertThat(ServerCommand.redacted("postgresql://db:5432/sync?user=fs&password=s3cr3t&ssl=true"))
        .isEqualTo("postgresql://db:5432/sync?user=fs&password=***&ssl=true");
    assertThat(ServerCommand.redacted("postgres://fs:s3cr3t@db/sync"))
        .isEqualTo("postgres://fs:***@db/sync");
    assertThat(ServerCommand.redacted("jdbc:postgresql://db/sync?PASSWORD=s3cr3t"))
        .isEqualTo("jdbc:postgresql://db/sync?PASSWORD=***");
    assertThat(ServerCommand.redacted("/var/lib/fieldsync/sync.db"))
        .isEqualTo("/var/lib/fieldsync/sync.db");
  }
}
