package io.fieldsync.client.internal.recovery;

import io.fieldsync.client.VerifyReport;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.capture.SqlText;
import io.fieldsync.client.internal.outbox.Outbox;
import io.fieldsync.client.internal.outbox.Outbox.RecordKey;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.RangeChecksum;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.RecordHash;
import io.fieldsync.wire.RecordHashes;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compares the device's rows with the server's by checksums of id ranges and repairs the records
 * that differ (docs/recovery.md).
 *
 * <p>Round 1 asks for every table's count and checksum (depth 0): if all match, the device is clean
 * after one request. Each later round asks, for every range that differed, either its 16 sub-ranges
 * or, once the range holds at most {@value #LIST_AT} records on both sides, the list of its records
 * with their hashes. Records whose hashes differ, or that exist on one side only, are fetched with
 * {@code POST /v1/records} and written with capture off; a record with pending local edits keeps
 * them on top, as in a pull, and is reported as skipped: the next push settles those fields.
 */
public final class Verifier {
  /** A range this small on both sides is listed instead of split. */
  static final int LIST_AT = 64;

  /** Ids per records request. */
  static final int FETCH_CHUNK = 1000;

  private final DeviceDatabase database;
  private final Connection connection;
  private final Schema schema;
  private final Transport transport;
  private final Applier applier;
  private int requests;

  public Verifier(DeviceDatabase database, Schema schema, Transport transport) {
    this.database = database;
    this.connection = database.connection();
    this.schema = schema;
    this.transport = transport;
    this.applier = new Applier(schema);
  }

  /** Local accumulation of one range. */
  private static final class Sum {
    long count;
    long checksum;
    final Map<String, Long> records = new TreeMap<>();
  }

  public VerifyReport run() {
    List<IdRange> ask = new ArrayList<>();
    for (Table table : schema.tables().values()) {
      ask.add(IdRange.newBuilder().setTable(table.name()).build());
    }
    long compared = 0;
    boolean first = true;
    Map<String, Set<String>> differing = new LinkedHashMap<>();
    while (!ask.isEmpty()) {
      Map<IdRange, Sum> local = localSums(ask);
      if (first) {
        for (Sum sum : local.values()) {
          compared += sum.count;
        }
        first = false;
      }
      requests++;
      VerifyResponse response =
          transport.verify(VerifyRequest.newBuilder().addAllRanges(ask).build());
      List<IdRange> next = new ArrayList<>();
      for (RangeChecksum remote : response.getRangesList()) {
        IdRange range = remote.getRange();
        Sum mine = local.get(range);
        if (mine == null) {
          throw new io.fieldsync.ProtocolException(
              "verify answered for a range that was not asked: table '"
                  + range.getTable()
                  + "' depth "
                  + range.getDepth()
                  + " prefix "
                  + range.getPrefix());
        }
        if (mine.count == remote.getCount() && mine.checksum == remote.getChecksum()) {
          continue;
        }
        if (range.getList()) {
          Set<String> ids =
              differing.computeIfAbsent(range.getTable(), unused -> new LinkedHashSet<>());
          Map<String, Long> theirs = new HashMap<>();
          for (RecordHash record : remote.getRecordsList()) {
            theirs.put(record.getRecordId(), record.getHash());
          }
          for (Map.Entry<String, Long> record : mine.records.entrySet()) {
            Long hash = theirs.remove(record.getKey());
            if (hash == null || hash.longValue() != record.getValue()) {
              ids.add(record.getKey());
            }
          }
          ids.addAll(theirs.keySet());
        } else if ((mine.count <= LIST_AT && remote.getCount() <= LIST_AT)
            || range.getDepth() == RecordHashes.MAX_DEPTH) {
          next.add(range.toBuilder().setList(true).build());
        } else {
          for (int child = 0; child < 16; child++) {
            next.add(
                IdRange.newBuilder()
                    .setTable(range.getTable())
                    .setDepth(range.getDepth() + 1)
                    .setPrefix(range.getPrefix() * 16 + child)
                    .build());
          }
        }
      }
      ask = next;
    }
    List<VerifyReport.Repair> repaired = new ArrayList<>();
    List<VerifyReport.Repair> skipped = new ArrayList<>();
    for (Map.Entry<String, Set<String>> entry : differing.entrySet()) {
      repair(schema.table(entry.getKey()), new ArrayList<>(entry.getValue()), repaired, skipped);
    }
    return new VerifyReport(compared, requests, repaired, skipped);
  }

  /** Counts and checksums of the asked ranges over the local rows, one scan per table. */
  private Map<IdRange, Sum> localSums(List<IdRange> ranges) {
    Map<IdRange, Sum> result = new LinkedHashMap<>();
    Map<String, Map<Integer, Map<Long, Sum>>> byTable = new LinkedHashMap<>();
    for (IdRange range : ranges) {
      Sum sum = new Sum();
      result.put(range, sum);
      byTable
          .computeIfAbsent(range.getTable(), unused -> new HashMap<>())
          .computeIfAbsent(range.getDepth(), unused -> new HashMap<>())
          .put(range.getPrefix(), sum);
    }
    Map<IdRange, Boolean> listed = new HashMap<>();
    for (IdRange range : ranges) {
      listed.put(range, range.getList());
    }
    try {
      for (Map.Entry<String, Map<Integer, Map<Long, Sum>>> entry : byTable.entrySet()) {
        Table table = schema.table(entry.getKey());
        Map<Integer, Map<Long, Sum>> depths = entry.getValue();
        Set<Sum> listing = new java.util.HashSet<>();
        for (Map.Entry<IdRange, Sum> range : result.entrySet()) {
          if (range.getKey().getTable().equals(table.name()) && listed.get(range.getKey())) {
            listing.add(range.getValue());
          }
        }
        scan(
            table,
            (id, values) -> {
              long idHash = RecordHashes.idHash(id);
              long hash = 0;
              boolean hashed = false;
              for (Map.Entry<Integer, Map<Long, Sum>> depth : depths.entrySet()) {
                Sum sum = depth.getValue().get(RecordHashes.prefix(depth.getKey(), idHash));
                if (sum == null) {
                  continue;
                }
                if (!hashed) {
                  hash = RecordHashes.recordHash(table, id, values);
                  hashed = true;
                }
                sum.count++;
                sum.checksum += hash;
                if (listing.contains(sum)) {
                  sum.records.put(id, hash);
                }
              }
            });
      }
    } catch (SQLException e) {
      throw DeviceDatabase.storage(e);
    }
    return result;
  }

  interface RowSink {
    void row(String id, Map<String, Object> values);
  }

  /** Every local row of the table with canonical values, as the server would hash them. */
  private void scan(Table table, RowSink sink) throws SQLException {
    List<Column> columns = new ArrayList<>(table.columns().values());
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < columns.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(SqlText.identifier(columns.get(i).name()));
    }
    sql.append(" FROM ").append(SqlText.identifier(table.name()));
    try (PreparedStatement select = connection.prepareStatement(sql.toString());
        ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        Map<String, Object> values = new HashMap<>();
        String id = null;
        for (int i = 0; i < columns.size(); i++) {
          Column column = columns.get(i);
          Object value = Outbox.canonical(column, Jdbc.normalize(rows.getObject(i + 1)));
          if (column.primaryKey()) {
            id = value == null ? null : value.toString();
          }
          values.put(column.name(), value);
        }
        if (id != null) {
          sink.row(id, values);
        }
      }
    }
  }

  private void repair(
      Table table,
      List<String> ids,
      List<VerifyReport.Repair> repaired,
      List<VerifyReport.Repair> skipped) {
    for (int start = 0; start < ids.size(); start += FETCH_CHUNK) {
      List<String> chunk = ids.subList(start, Math.min(ids.size(), start + FETCH_CHUNK));
      requests++;
      RecordsResponse response =
          transport.records(
              RecordsRequest.newBuilder().setTable(table.name()).addAllRecordIds(chunk).build());
      database.transaction(
          c -> {
            database.state().captureOff();
            Outbox.PendingLog pending = Outbox.pendingKeys(c);
            for (Record record : response.getRecordsList()) {
              String id = record.getRecordId();
              Record full = record.toBuilder().setTable(table.name()).build();
              if (pending.contains(new RecordKey(table.name(), id))) {
                // As a pull would: the pending edits stay on top and the other fields take the
                // server's values. Otherwise a field changed behind the library's back that the
                // outbox does not carry would stay wrong after the push.
                applier.apply(c, full, pending, (t, r, col) -> {});
                skipped.add(new VerifyReport.Repair(table.name(), id, VerifyReport.Action.PENDING));
                continue;
              }
              boolean existed = exists(c, table, id);
              applier.apply(c, full, Outbox.PendingLog.NONE, (t, r, col) -> {});
              VerifyReport.Action action =
                  record.getDeleted() || record.getAbsent()
                      ? VerifyReport.Action.DELETED
                      : existed ? VerifyReport.Action.UPDATED : VerifyReport.Action.RESTORED;
              repaired.add(new VerifyReport.Repair(table.name(), id, action));
            }
            database.state().raiseHeldThrough(highestSeq(response));
            database.state().captureOn();
            return null;
          });
    }
  }

  private static long highestSeq(RecordsResponse response) {
    long highest = 0;
    for (Record record : response.getRecordsList()) {
      highest = Math.max(highest, record.getSeq());
    }
    return highest;
  }

  private static boolean exists(Connection c, Table table, String id) throws SQLException {
    return new Jdbc(c)
            .first(
                "SELECT 1 FROM "
                    + SqlText.identifier(table.name())
                    + " WHERE "
                    + SqlText.identifier(table.primaryKey().name())
                    + " = ?",
                row -> true,
                id)
        != null;
  }
}
