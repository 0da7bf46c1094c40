package io.fieldsync.client;

import io.fieldsync.StorageException;
import io.fieldsync.client.internal.apply.ParkedEdits;
import io.fieldsync.client.internal.outbox.Requeue;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Schema;
import java.util.List;
import java.util.function.Supplier;

/**
 * This device's edits that the server parked in its review queue ({@code _fs_parked}): list them,
 * discard them, or retry them.
 *
 * <p>While an edit is parked the device's row shows the server's value, and a coordinator's
 * resolution reaches the device in a pull (which removes the entry). Discarding forgets the
 * device's copy only: the row stays as the server has it, and the item stays in the server's review
 * queue for the coordinator. Retrying writes the device's value into the row again through a
 * captured connection, as a new edit made after the server's value was seen: the next sync pushes
 * it, and since it is no longer concurrent, a {@code manual} column takes it (a child whose parent
 * is still deleted is parked again).
 *
 * <p>Thread-safe; each call runs in its own transaction.
 */
public final class ParkedChanges {
  private final LocalEdits edits;
  private final Supplier<Schema> schema;

  ParkedChanges(LocalEdits edits, Supplier<Schema> schema) {
    this.edits = edits;
    this.schema = schema;
  }

  /**
   * Every parked edit, oldest first.
   *
   * @throws StorageException when the database cannot be read
   */
  public List<ParkedEdit> list() {
    return edits.read(ParkedEdits::list);
  }

  /**
   * Forgets a parked edit on this device.
   *
   * @throws IllegalArgumentException when there is no parked edit {@code id}
   * @throws StorageException when the database cannot be written
   */
  public void discard(long id) {
    edits.write(
        c -> {
          if (!ParkedEdits.remove(c, id)) {
            throw unknown(id);
          }
          return null;
        });
  }

  /**
   * Queues a parked edit again: writes the device's value into the local row and removes the entry,
   * in one transaction.
   *
   * @return the entry as it was
   * @throws IllegalArgumentException when there is no parked edit {@code id}
   * @throws StorageException when the database cannot be written
   */
  public ParkedEdit retry(long id) {
    return edits.write(
        c -> {
          ParkedEdit entry = ParkedEdits.find(c, id);
          if (entry == null) {
            throw unknown(id);
          }
          new Requeue(new Jdbc(c), schema.get())
              .json(entry.table(), entry.recordId(), entry.column(), entry.deviceValue());
          ParkedEdits.remove(c, id);
          return entry;
        });
  }

  private static IllegalArgumentException unknown(long id) {
    return new IllegalArgumentException(
        "no parked edit with id "
            + id
            + "; `fieldsync client rejected list --parked` (ParkedChanges.list) shows them");
  }
}
