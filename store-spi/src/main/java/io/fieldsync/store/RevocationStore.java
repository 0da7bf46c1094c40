package io.fieldsync.store;

import java.util.Map;

/** Per device, the line below which its tokens are refused. Thread-safe. */
public interface RevocationStore {

  /**
   * Revokes the device's tokens issued at or before {@code issuedUpToSeconds} (epoch seconds, the
   * tokens' {@code iat}); a later call can only move the line forward. Tokens minted afterwards
   * work again (re-enrolling the device).
   *
   * @throws io.fieldsync.StorageException when the database fails (retriable)
   */
  void revokeDevice(String tenant, String device, long issuedUpToSeconds);

  /** Per revoked device of the tenant: its tokens issued at or before this epoch second. */
  Map<String, Long> revokedDevices(String tenant);
}
