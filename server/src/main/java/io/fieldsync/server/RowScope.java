package io.fieldsync.server;

import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.FieldVersion;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which rows of its tenant a token may receive and write. A scope is {@code column:value} (rows of
 * the tables whose scope column is {@code column} and holds {@code value}) or a bare {@code value}
 * (that value in any table's scope column). A token with scopes sees, of a table that names a scope
 * column, only the rows one of its scopes admits; tables without a scope column, and every table
 * for a token without scopes (a tenant-wide token), are not restricted. Values compare by their
 * text form, so an integer scope column matches the scope {@code "team:7"}.
 *
 * @param values the token's scopes; empty for a tenant-wide token
 */
public record RowScope(Set<String> values) {

  public RowScope {
    values = Set.copyOf(values);
  }

  public static RowScope of(TokenClaims token) {
    return new RowScope(Set.copyOf(token.scopes()));
  }

  /** Whether the token's rows of {@code table} are a subset of the tenant's. */
  public boolean restricts(Table table) {
    return !values.isEmpty() && table.scope() != null;
  }

  /** Whether a row of {@code table} with these values is the token's. */
  public boolean admits(Table table, Map<String, Object> row) {
    return !restricts(table) || admitsValue(table, row.get(table.scope()));
  }

  /** Whether a value of the table's scope column is among the token's scopes (null never is). */
  public boolean admitsValue(Table table, Object value) {
    if (value == null) {
      return false;
    }
    String text = value.toString();
    return values.contains(table.scope() + ":" + text) || values.contains(text);
  }

  /**
   * Whether the record's scope column changed after {@code cursor}: it may have entered or left the
   * token's rows since then, so a device at that cursor needs the whole record, or its removal.
   */
  public static boolean scopeChangedAfter(Table table, StoredRecord record, long cursor) {
    if (record.versions().hasRow() && record.versions().getRow().getSeq() > cursor) {
      return true;
    }
    FieldVersion version = record.versions().getFieldsMap().get(table.scope());
    return version == null || version.getSeq() > cursor;
  }

  /**
   * Whether a device that holds every record whole as of {@code since}, and those its current run
   * of pages delivered, may hold a copy of this record, which its scopes no longer admit: the scope
   * column changed after {@code since}, and not only by the record's creation (or restore) after
   * it, which a device cannot have seen with another scope. Records that never were the device's
   * thus send no removal, even in the later pages of a new device's run.
   */
  public static boolean mayBeHeld(Table table, StoredRecord record, long since) {
    FieldVersion scope = record.versions().getFieldsMap().get(table.scope());
    if (scope == null) {
      return true;
    }
    if (scope.getSeq() <= since) {
      return false;
    }
    long created = record.versions().hasRow() ? record.versions().getRow().getSeq() : 0;
    return created <= since || scope.getSeq() > created;
  }

  /** For messages: the scopes, sorted. */
  public String describe() {
    return new TreeSet<>(values).toString();
  }
}
