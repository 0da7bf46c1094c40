package io.fieldsync.client;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.outbox.RejectedLog;
import io.fieldsync.client.internal.outbox.Requeue;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Schema;
import io.fieldsync.wire.Change;
import java.util.List;
import java.util.function.Supplier;

/**
 * The changes the server refused ({@code _fs_rejected}): list them, discard the ones a person gave
 * up on, retry the ones that may pass now (after the schema, the token's scopes or the data were
 * fixed).
 *
 * <p>When the server refuses a change, the device's row is put back to the server's state at once,
 * so discarding an entry leaves the device in step with the server. Retrying writes the refused
 * edit into the row again through a captured connection, as if the application had made it now: the
 * next sync (the worker's at once) pushes it, and the server decides again. A {@code sum} field is
 * retried as its increment and a {@code union} field as its added and removed elements.
 *
 * <p>Thread-safe; each call runs in its own transaction.
 */
public final class RejectedChanges {
  private final LocalEdits edits;
  private final Supplier<Schema> schema;

  RejectedChanges(LocalEdits edits, Supplier<Schema> schema) {
    this.edits = edits;
    this.schema = schema;
  }

  /**
   * Every refused change, oldest first.
   *
   * @throws StorageException when the database cannot be read
   */
  public List<RejectedChange> list() {
    return edits.read(c -> new RejectedLog(c).list());
  }

  /**
   * Forgets a refused change.
   *
   * @throws IllegalArgumentException when there is no refused change {@code id}
   * @throws StorageException when the database cannot be written
   */
  public void discard(long id) {
    edits.write(
        c -> {
          if (!new RejectedLog(c).remove(id)) {
            throw unknown(id);
          }
          return null;
        });
  }

  /**
   * Queues a refused change again: writes it into the local row and removes the entry, in one
   * transaction. The next sync pushes it; a new refusal makes a new entry.
   *
   * @return the entry as it was
   * @throws IllegalArgumentException when there is no refused change {@code id}, or its table is no
   *     longer in the schema
   * @throws StorageException when the database cannot be written
   */
  public RejectedChange retry(long id) {
    return edits.write(
        c -> {
          RejectedLog log = new RejectedLog(c);
          RejectedChange entry = log.find(id);
          if (entry == null) {
            throw unknown(id);
          }
          Requeue requeue = new Requeue(new Jdbc(c), schema.get());
          Change pushed = log.pushed(id);
          if (pushed != null) {
            requeue.change(pushed);
          } else {
            requeue.json(
                entry.table(),
                entry.recordId(),
                null,
                entry.op().equals("DELETE") ? null : entry.values());
          }
          log.remove(id);
          return entry;
        });
  }

  private static IllegalArgumentException unknown(long id) {
    return new IllegalArgumentException(
        "no rejected change with id "
            + id
            + "; `fieldsync client rejected list` (RejectedChanges.list) shows them");
  }
}
