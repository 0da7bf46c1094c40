package io.fieldsync.server;

/**
 * Hears that a tenant's sequence advanced. The server calls it on the node that committed, after
 * the store transaction returned; a store that can hear commits made on other nodes (PostgreSQL
 * LISTEN/NOTIFY) calls the same method, so live devices connected anywhere get poked.
 */
@FunctionalInterface
public interface CommitNotifier {
  CommitNotifier NONE = (tenant, sequence) -> {};

  /** Must return quickly and never throw. */
  void committed(String tenant, long sequence);
}
