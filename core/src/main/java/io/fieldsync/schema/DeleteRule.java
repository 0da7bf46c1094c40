package io.fieldsync.schema;

import java.util.Locale;

/** What happens when one device deletes a record another device updated concurrently. */
public enum DeleteRule {
  /** The delete stands; the concurrent update is recorded in the journal and dropped. */
  DELETE_WINS,
  /** The update resurrects the record with the updated fields. */
  UPDATE_WINS;

  public String schemaName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeleteRule fromSchemaName(String name) {
    for (DeleteRule rule : values()) {
      if (rule.schemaName().equals(name)) {
        return rule;
      }
    }
    throw new IllegalArgumentException(
        "unknown on_delete '" + name + "' (expected delete_wins or update_wins)");
  }
}
