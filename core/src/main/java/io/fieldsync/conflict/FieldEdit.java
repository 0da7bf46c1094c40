package io.fieldsync.conflict;

import java.util.List;

/**
 * A device's edit of one field, as it arrives in a push (or as it waits in a device's outbox).
 *
 * @param value the device's current value of the field
 * @param hlc the stamp of the device's last write to the field
 * @param baseSeq the server sequence the device had applied when it made the edit
 * @param delta for {@code sum} columns, the increment the device made; 0 otherwise
 * @param added for {@code union} columns, JSON elements the device added
 * @param removed for {@code union} columns, JSON elements the device removed
 */
public record FieldEdit(
    Object value,
    long hlc,
    String device,
    long baseSeq,
    long delta,
    List<String> added,
    List<String> removed) {

  public FieldEdit {
    added = added == null ? List.of() : List.copyOf(added);
    removed = removed == null ? List.of() : List.copyOf(removed);
  }

  public static FieldEdit of(Object value, long hlc, String device, long baseSeq) {
    return new FieldEdit(value, hlc, device, baseSeq, 0, List.of(), List.of());
  }

  /**
   * Whether the edit is concurrent with the field's current state: the field changed on the server
   * after the version the edit was based on. Only concurrent edits are conflicts.
   */
  public boolean isConcurrentWith(FieldState current) {
    return current.exists() && current.seq() > baseSeq;
  }
}
