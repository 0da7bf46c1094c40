package io.fieldsync.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class SideWorkTest {
  /**
   * Pieces of a range joined while the helper works through them, the caller joining at every stage
   * of the helper's progress: every item is worked on exactly once, whichever thread did it, and
   * every join returns its own piece's result. A piece done by both threads (a lost or doubled
   * change in a push) shows as a count of two.
   */
  @Test
  void everyPieceRunsExactlyOnceWhoeverDoesIt() {
    SideWork side = new SideWork();
    SplittableRandom random = new SplittableRandom(12);
    for (int round = 0; round < 3_000; round++) {
      int size = 1 + random.nextInt(3 * SideWork.PIECE);
      AtomicIntegerArray runs = new AtomicIntegerArray(size);
      int spin = random.nextInt(20_000);
      List<SideWork.Handle<Integer>> pieces =
          side.startPieces(
              0,
              size,
              (from, to) -> {
                for (int i = from; i < to; i++) {
                  runs.incrementAndGet(i);
                }
                return from;
              });
      long busy = 0;
      for (int i = 0; i < spin; i++) {
        busy += i; // the caller's own share, of varying length
      }
      assertThat(busy).isGreaterThanOrEqualTo(0);
      for (int piece = 0; piece < pieces.size(); piece++) {
        assertThat(pieces.get(piece).join()).isEqualTo(piece * SideWork.PIECE);
      }
      for (int i = 0; i < size; i++) {
        assertThat(runs.get(i)).as("item %d of %d in round %d", i, size, round).isEqualTo(1);
      }
    }
  }
}
