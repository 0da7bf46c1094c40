package io.fieldsync.client;

import java.util.List;
import java.util.Objects;

/**
 * What {@link FieldSyncClient#verify()} found and repaired.
 *
 * @param records local records compared (all tables)
 * @param requests verify and records requests sent
 * @param repaired records rewritten to the server's state
 * @param skipped differing records with pending local edits: those edits are kept on top of the
 *     server's values (as in a pull) and pushed next, and the server's answer settles them
 */
public record VerifyReport(
    long records, int requests, List<Repair> repaired, List<Repair> skipped) {

  public VerifyReport {
    repaired = List.copyOf(repaired);
    skipped = List.copyOf(skipped);
  }

  /** True when the device matched the server (nothing differed, nothing was skipped). */
  public boolean clean() {
    return repaired.isEmpty() && skipped.isEmpty();
  }

  /** One differing record and what was done about it. */
  public record Repair(String table, String recordId, Action action) {
    public Repair {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(recordId, "recordId");
      Objects.requireNonNull(action, "action");
    }
  }

  public enum Action {
    /** The local row differed and now holds the server's values. */
    UPDATED,
    /** The local row was missing and was restored. */
    RESTORED,
    /** The local row does not exist on the server and was deleted. */
    DELETED,
    /** Not fully repaired: pending local edits are kept on top of the server's values. */
    PENDING
  }
}
