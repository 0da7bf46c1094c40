package io.fieldsync.server.admin;

/** The kinds of traffic the activity log counts per minute. */
final class ActivityKinds {
  static final String PUSH = "push";
  static final String PULL = "pull";
  static final String REJECTED = "rejected";

  /** Followed by the strategy that decided: {@code conflict:lww}, {@code conflict:manual}... */
  static final String CONFLICT = "conflict:";

  private ActivityKinds() {}
}
