package io.fieldsync.multinode;

/** The schema of the multi-node tests. */
final class NodeSchema {
  static final String YAML =
      """
      version: 1
      tables:
        households:
          columns:
            id:        { type: uuid, primary_key: true }
            region:    { type: text, required: true }
            head_name: { type: text }
            visits:    { type: integer, conflict: sum }
        visits:
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            note:         { type: text }
      """;

  private NodeSchema() {}
}
