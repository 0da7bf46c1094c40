package io.fieldsync.server;

import io.fieldsync.server.pull.PullAhead;

/**
 * What a node keeps package-private for tests. The testkit's tests of the server share its packages
 * on the class path, so they reach it through here.
 */
public final class ServerInternals {
  private ServerInternals() {}

  /** The pull pages the node prepares ahead, or null when that is off. */
  public static PullAhead<?, ?> pullAhead(SyncServer node) {
    return node.pullAhead();
  }
}
