package io.fieldsync.conflict;

/**
 * A field as the resolving side holds it: the value, the stamp and device of the write that set it,
 * and the server sequence at which it last changed.
 *
 * @param exists false when the field has never been written (a new record)
 */
public record FieldState(boolean exists, Object value, long hlc, String device, long seq) {
  public static final FieldState ABSENT = new FieldState(false, null, 0, "", 0);

  public static FieldState of(Object value, long hlc, String device, long seq) {
    return new FieldState(true, value, hlc, device, seq);
  }
}
