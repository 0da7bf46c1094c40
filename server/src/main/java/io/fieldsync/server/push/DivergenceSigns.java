package io.fieldsync.server.push;

import io.fieldsync.server.MessageText;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs in a committed push that the device's rows differ from the server's, so the server asks it
 * to verify ({@code PushResponse.verify_reason}): an update of a record the server never had (the
 * device holds a row nobody pushed), a base sequence ahead of the tenant's (its state claims
 * changes the server never made), and one record rejected in {@value #REPEATED_REJECTIONS} pushes
 * of the same device. Rejections are counted per server process for the {@value #TRACKED} records
 * rejected most recently, so a restart or another node starts the count again: a sign, not a proof.
 * Thread-safe.
 */
final class DivergenceSigns {
  /** Rejections of one record by one device that count as a sign. */
  static final int REPEATED_REJECTIONS = 3;

  /** Records whose rejections are counted at once; the least recently rejected go first. */
  static final int TRACKED = 10_000;

  private record Rejected(String tenant, String device, String table, String recordId) {}

  private final Map<Rejected, Integer> rejections =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Rejected, Integer> eldest) {
          return size() > TRACKED;
        }
      };

  /** Why the device should verify, in words, or null when the push showed no sign. */
  String reason(
      TokenClaims token,
      PushRequest request,
      List<PreparedChange> prepared,
      PushResponse response) {
    List<String> signs = new ArrayList<>();
    for (PreparedChange change : prepared) {
      if (change.unknownRecord) {
        signs.add(where(change.change) + ": an update of a record the server never had");
      }
      long base = change.change.getBaseSeq();
      if (base > response.getSequence()) {
        signs.add(
            where(change.change)
                + ": base sequence "
                + base
                + " is ahead of the tenant's sequence "
                + response.getSequence());
      }
    }
    for (ChangeResult result : response.getResultsList()) {
      Change change = request.getChanges(result.getIndex());
      if (result.getStatus() == ChangeStatus.REJECTED && repeatedlyRejected(token, change)) {
        signs.add(
            where(change) + ": rejected in " + REPEATED_REJECTIONS + " pushes of this device");
      }
    }
    if (signs.isEmpty()) {
      return null;
    }
    return signs.size() == 1
        ? signs.get(0)
        : signs.get(0) + " (and " + (signs.size() - 1) + " more signs in this push)";
  }

  private static String where(Change change) {
    return "table '"
        + MessageText.abbreviate(change.getTable())
        + "', record '"
        + MessageText.abbreviate(change.getRecordId())
        + "'";
  }

  private boolean repeatedlyRejected(TokenClaims token, Change change) {
    Rejected key =
        new Rejected(token.tenant(), token.device(), change.getTable(), change.getRecordId());
    synchronized (rejections) {
      int count = rejections.merge(key, 1, Integer::sum);
      if (count < REPEATED_REJECTIONS) {
        return false;
      }
      rejections.remove(key);
      return true;
    }
  }
}
