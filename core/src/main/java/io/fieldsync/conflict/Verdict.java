package io.fieldsync.conflict;

/** The outcome of resolving one field edit against the field's current state. */
public sealed interface Verdict {

  /** The current value stays; the edit loses (and is kept in the journal). */
  record Keep() implements Verdict {}

  /** The field takes this value (the edit's, or a merge of both). */
  record Take(Object value) implements Verdict {}

  /** The current value stays and both versions go to the review queue. */
  record Review(String reason) implements Verdict {}

  Verdict KEEP = new Keep();

  static Verdict take(Object value) {
    return new Take(value);
  }
}
