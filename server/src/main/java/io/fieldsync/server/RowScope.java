package io.fieldsync.server;

import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.wire.FieldVersion;
import io.fieldsync.wire.RecordVersions;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which rows of its tenant a token may receive and write. A scope is {@code column:value} (rows of
 * the tables whose scope column is {@code column} and holds {@code value}) or a bare {@code value}
 * (that value in any table's scope column). A token with scopes sees, of a scoped table, only the
 * rows one of its scopes admits; unscoped tables, and every table for a token without scopes (a
 * tenant-wide token), are not restricted. Values compare by their text form, so an integer scope
 * column matches the scope {@code "team:7"}.
 *
 * <p>A table scoped through a parent ({@code scope: { via: column }}) takes the scope of the row
 * its column points at, up the chain to a table that names its scope column: its rows match {@code
 * column:value} with that column's name. Each of its records keeps the value it inherits in its
 * versions ({@link RecordVersions#getScope}), kept equal to its parent's by the push path, and the
 * sequence that set it ({@link RecordVersions#getScopeSeq}), which plays the part of the scope
 * column's version.
 *
 * @param values the token's scopes; empty for a tenant-wide token
 * @param schema resolves the scope column of tables scoped through parents
 */
public record RowScope(Set<String> values, Schema schema) {

  public RowScope {
    values = Set.copyOf(values);
  }

  public static RowScope of(TokenClaims token, Schema schema) {
    return new RowScope(Set.copyOf(token.scopes()), schema);
  }

  /** Whether the token's rows of {@code table} are a subset of the tenant's. */
  public boolean restricts(Table table) {
    return !values.isEmpty() && table.scoped();
  }

  /** Whether a stored record of {@code table} is the token's. */
  public boolean admits(Table table, StoredRecord record) {
    return !restricts(table) || admitsValue(table, valueOf(table, record));
  }

  /** Whether a scope value of {@code table}'s rows is among the token's scopes (null never is). */
  public boolean admitsValue(Table table, Object value) {
    if (value == null) {
      return false;
    }
    String text = value.toString();
    return values.contains(schema.scopeColumn(table) + ":" + text) || values.contains(text);
  }

  /**
   * The record's scope value: its scope column's, or the one it inherits from its parents; null for
   * none.
   */
  public static Object valueOf(Table table, StoredRecord record) {
    if (table.scopeVia() == null) {
      return table.scope() == null ? null : record.values().get(table.scope());
    }
    RecordVersions versions = record.versions();
    return versions.hasScope() ? versions.getScope() : null;
  }

  /**
   * Whether the record's scope changed after {@code cursor}: it may have entered or left the
   * token's rows since then, so a device at that cursor needs the whole record, or its removal.
   */
  public static boolean scopeChangedAfter(Table table, StoredRecord record, long cursor) {
    if (record.versions().hasRow() && record.versions().getRow().getSeq() > cursor) {
      return true;
    }
    long changed = scopeSeq(table, record);
    return changed < 0 || changed > cursor;
  }

  /**
   * Whether a device that holds every record whole as of {@code since}, and those its current run
   * of pages delivered, may hold a copy of this record, which its scopes no longer admit: the scope
   * changed after {@code since}, and not only by the record's creation (or restore) after it, which
   * a device cannot have seen with another scope. Records that never were the device's thus send no
   * removal, even in the later pages of a new device's run.
   */
  public static boolean mayBeHeld(Table table, StoredRecord record, long since) {
    long changed = scopeSeq(table, record);
    if (changed < 0) {
      return true;
    }
    if (changed <= since) {
      return false;
    }
    long created = record.versions().hasRow() ? record.versions().getRow().getSeq() : 0;
    return created <= since || changed > created;
  }

  /** The sequence at which the record's scope value was last set; -1 when unknown. */
  private static long scopeSeq(Table table, StoredRecord record) {
    if (table.scopeVia() != null) {
      long inherited = record.versions().getScopeSeq();
      return inherited == 0 ? -1 : inherited;
    }
    FieldVersion version = record.versions().getFieldsMap().get(table.scope());
    return version == null ? -1 : version.getSeq();
  }

  /** For messages: the scopes, sorted. */
  public String describe() {
    return new TreeSet<>(values).toString();
  }
}
