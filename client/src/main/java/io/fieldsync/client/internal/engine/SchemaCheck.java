package io.fieldsync.client.internal.engine;

import io.fieldsync.wire.SchemaResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A schema check whose request runs on its own thread from construction on; {@link #run} waits for
 * the answer and applies it, once. Meant to run on the cycle's thread before the first request that
 * needs the check, so the cycle's own preparation overlaps the round trip.
 */
final class SchemaCheck implements Runnable {
  /**
   * The check migrated to another schema: what the cycle made for the old one must be made again.
   */
  static final class Moved extends RuntimeException {
    Moved() {
      super("the server's schema is newer; the device migrated to it", null, false, false);
    }
  }

  private final CompletableFuture<SchemaResponse> answer;
  private final Predicate<SchemaResponse> apply;
  private boolean done;

  /**
   * @param fetch asks the server; runs on a thread of its own
   * @param apply checks the answer and follows it; returns whether the schema moved
   */
  SchemaCheck(Supplier<SchemaResponse> fetch, Predicate<SchemaResponse> apply) {
    this.apply = apply;
    this.answer =
        CompletableFuture.supplyAsync(
            fetch,
            task -> {
              Thread thread = new Thread(task, "fieldsync-schema-check");
              thread.setDaemon(true);
              thread.start();
            });
  }

  /**
   * Waits for the server's answer and applies it, the first time only.
   *
   * @throws Moved when the device migrated to a newer schema
   * @throws RuntimeException what asking the server or applying its answer threw
   */
  @Override
  public void run() {
    if (done) {
      return;
    }
    done = true;
    SchemaResponse response;
    try {
      response = answer.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
    if (apply.test(response)) {
      throw new Moved();
    }
  }
}
