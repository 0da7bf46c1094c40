package io.fieldsync.client;

/**
 * The application's source of fresh device tokens (its sign-in service). The library asks it when
 * the token in use is about to expire ({@link FieldSyncClient.Builder#tokenRefreshBefore}) and when
 * the server refuses it (401), uses the token it returns from then on, stores it in the device
 * database, and retries the refused request with it. Only when the provider has no token (returns
 * null, or the same token), or the server refuses the new one too, does the call fail with an
 * {@link io.fieldsync.AuthException}, which stops a worker.
 *
 * <p>Called on the thread that makes the request (the sync cycle's, or the worker's for the live
 * channel), one call at a time; it may block, for instance on a network call of its own. An
 * exception it throws fails the request like a refused token would.
 */
@FunctionalInterface
public interface TokenProvider {

  /** Why the library asks. */
  enum Reason {
    /** The token in use expires within {@link FieldSyncClient.Builder#tokenRefreshBefore}. */
    EXPIRING,
    /** The server refused the token in use (expired, revoked, or signed with a replaced secret). */
    REFUSED
  }

  /**
   * A token for this device (the same device id and tenant), or null when there is none now.
   *
   * @param reason why the library asks
   * @param current the token in use
   */
  String freshToken(Reason reason, String current);
}
