package io.fieldsync.client.internal.apply;

import io.fieldsync.client.ConflictExplanation;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.internal.capture.LocalSchema;
import io.fieldsync.client.internal.outbox.ChangeFields;
import io.fieldsync.client.internal.outbox.ConflictReports;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeResult;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.PulledPage;
import io.fieldsync.wire.PushResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's own edits that the server parked for review, in {@code _fs_parked}.
 *
 * <p>An entry is written when a push answer says {@code PARKED}: one per column in {@code
 * parked_columns}, or one for the whole record when the list is empty. It remembers the tenant's
 * sequence after that push and, for a column, the field's stamp in the record the server returned.
 * A pulled record settles it once it carries a later sequence and (for a column) a different stamp
 * for the field: the server rewrote the field after the park, which a resolution always does (even
 * {@code keep_server} rewrites the kept value).
 */
public final class ParkedEdits {
  private static final String COLUMNS = "id, tbl, rid, col, device_value, reason, at, explained";

  private ParkedEdits() {}

  /** Records what a {@code PARKED} result parked. */
  public static void record(
      Connection c,
      Change change,
      ChangeResult result,
      PushResponse response,
      List<ConflictExplanation> explanations,
      Instant now)
      throws SQLException {
    new Jdbc(c).update(LocalSchema.PARKED_DDL);
    String reason =
        result.getReason().isEmpty()
            ? "parked by the server (no reason given)"
            : result.getReason();
    if (result.getParkedColumnsCount() == 0) {
      String fields = change.getFieldsCount() == 0 ? null : ChangeFields.json(change);
      insert(
          c,
          change,
          null,
          fields,
          reason,
          now,
          response.getSequence(),
          0,
          explanationOf(explanations, null));
      return;
    }
    for (String column : result.getParkedColumnsList()) {
      String value = null;
      for (FieldChange field : change.getFieldsList()) {
        if (field.getColumn().equals(column)) {
          String json =
              ChangeFields.json(change.toBuilder().clearFields().addFields(field).build());
          // {"column":value} → value
          value = json.substring(json.indexOf(':') + 1, json.length() - 1);
        }
      }
      long fieldHlc = 0;
      for (Field field : result.getServerRecord().getFieldsList()) {
        if (field.getColumn().equals(column)) {
          fieldHlc = field.getHlc();
        }
      }
      insert(
          c,
          change,
          column,
          value,
          reason,
          now,
          response.getSequence(),
          fieldHlc,
          explanationOf(explanations, column));
    }
  }

  private static void insert(
      Connection c,
      Change change,
      String column,
      String value,
      String reason,
      Instant now,
      long seq,
      long fieldHlc,
      ConflictExplanation explanation)
      throws SQLException {
    Jdbc jdbc = new Jdbc(c);
    jdbc.update(
        "DELETE FROM _fs_parked WHERE tbl = ? AND rid = ? AND col IS ?",
        change.getTable(),
        change.getRecordId(),
        column);
    jdbc.update(
        "INSERT INTO _fs_parked (tbl, rid, col, device_value, reason, at, seq, field_hlc,"
            + " explained) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        change.getTable(),
        change.getRecordId(),
        column,
        value,
        reason,
        now.toEpochMilli(),
        seq,
        fieldHlc,
        explanation == null ? null : ConflictReports.toJson(List.of(explanation)));
  }

  private static ConflictExplanation explanationOf(
      List<ConflictExplanation> explanations, String column) {
    for (ConflictExplanation explanation : explanations) {
      if (java.util.Objects.equals(explanation.column(), column)) {
        return explanation;
      }
    }
    return null;
  }

  /** Removes the entries that pulled records settle. */
  static void settle(Connection c, PulledPage records, List<Integer> order) throws SQLException {
    new Jdbc(c).update(LocalSchema.PARKED_DDL);
    if (new Jdbc(c).count("_fs_parked") == 0) {
      return;
    }
    try (PreparedStatement select =
            c.prepareStatement(
                "SELECT id, col, seq, field_hlc FROM _fs_parked WHERE tbl = ? AND rid = ?");
        PreparedStatement delete = c.prepareStatement("DELETE FROM _fs_parked WHERE id = ?")) {
      for (int record : order) {
        select.setString(1, records.table(record));
        select.setString(2, records.recordId(record));
        List<Long> settled = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            String column = rows.getString(2);
            if (records.seq(record) <= rows.getLong(3)) {
              continue;
            }
            if (column == null || records.deleted(record) || records.absent(record)) {
              settled.add(rows.getLong(1));
              continue;
            }
            int end = records.endField(record);
            for (int field = records.firstField(record); field < end; field++) {
              if (records.column(field).equals(column) && records.hlc(field) != rows.getLong(4)) {
                settled.add(rows.getLong(1));
              }
            }
          }
        }
        for (long id : settled) {
          delete.setLong(1, id);
          delete.executeUpdate();
        }
      }
    }
  }

  /** Every entry, oldest first; empty for a database that never had one. */
  public static List<ParkedEdit> list(Connection c) throws SQLException {
    Jdbc jdbc = new Jdbc(c);
    if (jdbc.first(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_fs_parked'", row -> true)
        == null) {
      return List.of();
    }
    return jdbc.list("SELECT " + COLUMNS + " FROM _fs_parked ORDER BY id", ParkedEdits::read);
  }

  /** One entry, or null. */
  public static ParkedEdit find(Connection c, long id) throws SQLException {
    return list(c).stream().filter(edit -> edit.id() == id).findFirst().orElse(null);
  }

  /** Removes an entry; returns whether there was one. */
  public static boolean remove(Connection c, long id) throws SQLException {
    return !list(c).isEmpty() && new Jdbc(c).update("DELETE FROM _fs_parked WHERE id = ?", id) > 0;
  }

  private static ParkedEdit read(ResultSet rows) throws SQLException {
    List<ConflictExplanation> explained = ConflictReports.fromJson(rows.getString(8));
    String column = rows.getString(4);
    String deviceValue = rows.getString(5);
    String reason = rows.getString(6);
    ConflictExplanation explanation =
        explained.isEmpty()
            ? new ConflictExplanation(
                ConflictExplanation.Outcome.PARKED,
                rows.getString(2),
                rows.getString(3),
                column,
                null,
                deviceValue,
                null,
                column == null
                    ? "Your change to this record was kept for review; a coordinator will choose."
                    : "Your change to "
                        + column
                        + " was kept for review because someone else also changed it; a"
                        + " coordinator will choose.")
            : explained.get(0);
    return new ParkedEdit(
        rows.getLong(1),
        rows.getString(2),
        rows.getString(3),
        column,
        deviceValue,
        reason,
        Instant.ofEpochMilli(rows.getLong(7)),
        explanation);
  }
}
