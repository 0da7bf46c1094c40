package io.fieldsync.store;

import io.fieldsync.wire.RecordVersions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record as the server stores it.
 *
 * @param seq the sequence of the record's latest change
 * @param deleted true for a tombstone
 * @param values column name to canonical value, primary key included; for a tombstone, the last
 *     values before the delete
 * @param versions the version of every field that has been written
 */
public record StoredRecord(
    String table,
    String id,
    long seq,
    boolean deleted,
    Map<String, Object> values,
    RecordVersions versions) {

  public StoredRecord {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(id, "id");
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    versions = versions == null ? RecordVersions.getDefaultInstance() : versions;
  }
}
