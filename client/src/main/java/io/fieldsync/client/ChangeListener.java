package io.fieldsync.client;

/**
 * Hears which rows changed, after they are committed: local writes from any connection or process
 * (found through the capture log, within the client's write poll) and what this client's syncs
 * wrote. Called on the client's change thread ({@code fieldsync-changes}), one call at a time, in
 * the order the changes were found; must return quickly. An exception is logged and otherwise
 * ignored.
 */
@FunctionalInterface
public interface ChangeListener {
  void changed(ChangedRows changes);
}
