package io.fieldsync.client.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The own-write ranges a device keeps for its pulls: joined when a push continues the last. */
class OwnWritesTest {
  @TempDir Path dir;
  private DeviceFixture device;

  @BeforeEach
  void create() {
    device = DeviceFixture.create(dir.resolve("device.db"));
  }

  @AfterEach
  void close() {
    device.close();
  }

  private List<WriteRange> add(WriteRange range) {
    DeviceDatabase database = device.database();
    return database.transaction(
        c -> {
          database.state().addOwnWrite(range);
          return database.state().ownWrites();
        });
  }

  @Test
  void aPushThatContinuesTheNewestRangeJoinsIt() {
    add(new WriteRange(3, 5));
    assertThat(add(new WriteRange(6, 9))).containsExactly(new WriteRange(3, 9));
    assertThat(add(new WriteRange(12, 14)))
        .containsExactly(new WriteRange(3, 9), new WriteRange(12, 14));
  }

  @Test
  void manyBatchesInARowKeepOneRangeInsteadOfDroppingTheOldest() {
    List<WriteRange> ranges = List.of();
    for (int batch = 0; batch < 3 * DeviceState.MAX_OWN_WRITES; batch++) {
      ranges = add(new WriteRange(batch * 10L + 1, batch * 10L + 10));
    }
    assertThat(ranges).containsExactly(new WriteRange(1, 30L * DeviceState.MAX_OWN_WRITES));
  }

  @Test
  void separateRangesStillKeepOnlyTheNewest() {
    List<WriteRange> ranges = List.of();
    for (int batch = 0; batch < DeviceState.MAX_OWN_WRITES + 5; batch++) {
      ranges = add(new WriteRange(batch * 10L + 1, batch * 10L + 5));
    }
    assertThat(ranges).hasSize(DeviceState.MAX_OWN_WRITES);
    assertThat(ranges.get(0)).isEqualTo(new WriteRange(51, 55));
  }
}
