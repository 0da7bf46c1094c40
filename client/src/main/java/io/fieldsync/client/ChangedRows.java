package io.fieldsync.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Rows of synced tables that changed in the local database, for a {@link ChangeListener}.
 *
 * @param origin who wrote them
 * @param recordIds table name to the primary keys (as text) of its changed rows, deletes included;
 *     an empty set means rows of that table changed but which ones is not known (a resync removed
 *     rows, or another process pushed local writes before this client read them)
 */
public record ChangedRows(Origin origin, Map<String, Set<String>> recordIds) {

  public ChangedRows {
    Objects.requireNonNull(origin, "origin");
    Map<String, Set<String>> copy = new LinkedHashMap<>();
    recordIds.forEach((table, ids) -> copy.put(table, Set.copyOf(ids)));
    recordIds = Collections.unmodifiableMap(copy);
  }

  /** The tables with changed rows. */
  public Set<String> tables() {
    return recordIds.keySet();
  }

  /** Who wrote the rows. */
  public enum Origin {
    /** The application or anyone else writing the file: captured local writes. */
    LOCAL,
    /** A sync of this client: pulled pages, push answers written back, resync, verify. */
    SERVER
  }
}
