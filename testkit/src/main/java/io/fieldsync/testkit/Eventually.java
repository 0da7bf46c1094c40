package io.fieldsync.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for what a background worker or another node does, polling, with a deadline. */
public final class Eventually {
  /** How long {@link #until} waits before it fails. */
  public static final Duration WAIT = Duration.ofSeconds(20);

  private Eventually() {}

  /**
   * Polls until the condition holds.
   *
   * @throws AssertionError naming {@code what} after {@link #WAIT}
   */
  public static void until(String what, BooleanSupplier condition) throws InterruptedException {
    until(what, condition, () -> "");
  }

  /**
   * Polls until the condition holds.
   *
   * @param context what to print on failure (worker status, events seen)
   * @throws AssertionError naming {@code what} and the context after {@link #WAIT}
   */
  public static void until(String what, BooleanSupplier condition, Supplier<String> context)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + WAIT + " waiting for " + what + " " + context.get());
      }
      Thread.sleep(20);
    }
  }
}
