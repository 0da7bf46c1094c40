package io.fieldsync.store;

/**
 * Told when a write transaction that allocated sequences has committed: the tenant and its new
 * highest sequence. Live channels use it to wake the clients of that tenant, which then pull.
 *
 * <p>A notification is a wake-up hint, not a delivery: sequences of one tenant arrive in ascending
 * order per store, but several commits may be reported as one (the highest), and a backend may lose
 * notifications while it reconnects. Callers that must not miss a change still pull from their
 * cursor. Called on a store thread; implementations must be quick and must not throw.
 */
@FunctionalInterface
public interface CommitListener {

  void committed(String tenant, long sequence);

  /** Stops the notifications of one {@link ChangeStore#onCommit} registration. Idempotent. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
