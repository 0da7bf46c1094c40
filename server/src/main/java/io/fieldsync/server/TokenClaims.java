package io.fieldsync.server;

import io.fieldsync.AuthException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Who a bearer token says the caller is.
 *
 * @param tenant the tenant ({@code tid} claim); every store access is keyed by it
 * @param device the device ({@code did} claim); batch ids and HLC ties are per device
 * @param user the user ({@code sub} claim), or null
 * @param role the role ({@code role} claim), e.g. {@code admin}, or null
 * @param scopes the scopes ({@code scopes} claim), possibly empty
 */
public record TokenClaims(
    String tenant,
    String device,
    String user,
    String role,
    List<String> scopes,
    Instant issuedAt,
    Instant expiresAt) {

  /** The role that may read and resolve the review queue. */
  public static final String ADMIN = "admin";

  public TokenClaims {
    if (tenant == null || tenant.isBlank()) {
      throw new IllegalArgumentException("tenant must not be empty");
    }
    if (device == null || device.isBlank()) {
      throw new IllegalArgumentException("device must not be empty");
    }
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (!expiresAt.isAfter(issuedAt)) {
      throw new IllegalArgumentException(
          "expiresAt " + expiresAt + " must be after issuedAt " + issuedAt);
    }
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  public boolean isAdmin() {
    return ADMIN.equals(role);
  }

  /**
   * @param what what needs the role, for the message ("the review queue")
   * @throws AuthException (forbidden) when this token lacks the {@code admin} role
   */
  public void requireAdmin(String what) {
    if (!isAdmin()) {
      throw AuthException.forbidden(
          what
              + " needs a token with role 'admin'; this token has role "
              + (role == null ? "none" : "'" + role + "'"));
    }
  }
}
