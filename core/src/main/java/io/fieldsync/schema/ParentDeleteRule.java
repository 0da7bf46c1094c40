package io.fieldsync.schema;

import java.util.Locale;

/** What happens to a child written on one device whose parent was deleted on another. */
public enum ParentDeleteRule {
  /** The child is deleted too; its last state stays in the journal. */
  CASCADE,
  /** The parent is brought back so the child keeps a home. */
  RESTORE_PARENT,
  /** The child's change is parked in the review queue for a person. */
  REVIEW;

  public String schemaName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ParentDeleteRule fromSchemaName(String name) {
    for (ParentDeleteRule rule : values()) {
      if (rule.schemaName().equals(name)) {
        return rule;
      }
    }
    throw new IllegalArgumentException(
        "unknown on_parent_delete '" + name + "' (expected cascade, restore_parent or review)");
  }
}
