package io.fieldsync.server.uplink;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import io.fieldsync.StorageException;
import io.fieldsync.store.WriteTransaction;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What the upstream is known to hold of one record, kept in the regional store's settings ({@code
 * uplink/<tenant>/<table>/<id>}) and changed only by the uplink, in the transaction that changes
 * the record. Its presence says the upstream has the record (a push of it is an update, not an
 * insert).
 *
 * <p>{@code sums} and {@code sets} hold, for {@code sum} and {@code union} columns, the part of the
 * local value the upstream has already counted: a push sends the difference to the local value (an
 * increment, elements added and removed), never the total, so each increment is counted once.
 *
 * @param seq the upstream sequence of the record when it was last taken from upstream (0: never):
 *     the {@code base_seq} of the next push of the record, so a change the upstream made after it
 *     is a concurrent edit there
 * @param seen the mark of the last resync that read the record from upstream (0: none); a resync
 *     removes the records it did not read
 */
record RecordBase(long seq, Map<String, Long> sums, Map<String, String> sets, long seen) {
  private static final Gson GSON = new Gson();

  RecordBase {
    sums = sums == null ? new HashMap<>() : new HashMap<>(sums);
    sets = sets == null ? new HashMap<>() : new HashMap<>(sets);
  }

  static RecordBase empty() {
    return new RecordBase(0, Map.of(), Map.of(), 0);
  }

  static String key(String tenant, String table, String id) {
    return "uplink/" + tenant + "/" + table + "/" + id;
  }

  /** The base of a record, or null when the upstream does not have it. */
  static RecordBase read(WriteTransaction transaction, String table, String id) {
    return parse(table, id, transaction.setting(key(transaction.tenant(), table, id)));
  }

  /** The base of a record read through {@code settings} (key to value), or null. */
  static RecordBase read(
      Function<String, String> settings, String tenant, String table, String id) {
    return parse(table, id, settings.apply(key(tenant, table, id)));
  }

  private static RecordBase parse(String table, String id, String json) {
    if (json == null) {
      return null;
    }
    try {
      return GSON.fromJson(json, RecordBase.class);
    } catch (JsonParseException e) {
      throw new StorageException(
          "the uplink base of " + table + " record '" + id + "' is corrupt: " + e.getMessage(), e);
    }
  }

  void save(WriteTransaction transaction, String table, String id) {
    transaction.putSetting(key(transaction.tenant(), table, id), GSON.toJson(this));
  }

  RecordBase withSeq(long upstreamSeq) {
    return new RecordBase(upstreamSeq, sums, sets, seen);
  }

  /** This base marked as read by the resync {@code mark}; 0 keeps the mark it has. */
  RecordBase seenBy(long mark) {
    return mark == 0 ? this : new RecordBase(seq, sums, sets, mark);
  }

  /** Forgets the record's base: the upstream no longer holds it. */
  static void remove(WriteTransaction transaction, String table, String id) {
    transaction.putSetting(key(transaction.tenant(), table, id), null);
  }

  long sum(String column) {
    return sums.getOrDefault(column, 0L);
  }

  String set(String column) {
    return sets.get(column);
  }
}
