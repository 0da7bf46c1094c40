package io.fieldsync.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.fieldsync.AuthException;
import io.fieldsync.SyncException;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.client.internal.state.DeviceFile;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport under a token the application's {@link TokenProvider} renews: before a call,
 * when the token expires within the refresh window (its JWT {@code exp}, read without checking the
 * signature: only the server can), the provider is asked once for that token; when the server
 * refuses the token (401), the provider is asked and the call is made again with the new one. A new
 * token gets a new transport from {@code transports} and is stored in the device database.
 *
 * <p>Thread-safe: the token is replaced under a lock, and a call uses the transport current when it
 * starts.
 */
final class CredentialedTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialedTransport.class);

  private final Function<String, Transport> transports;
  private final TokenProvider provider;
  private final DeviceFile database;
  private final Clock clock;
  private final Duration refreshBefore;

  // Guarded by this.
  private String token;
  private Instant expiresAt;
  private String askedEarlyFor;
  private boolean unsaved;
  private volatile Transport current;

  CredentialedTransport(
      String token,
      Function<String, Transport> transports,
      TokenProvider provider,
      DeviceFile database,
      Clock clock,
      Duration refreshBefore) {
    this.transports = transports;
    this.provider = provider;
    this.database = database;
    this.clock = clock;
    this.refreshBefore = refreshBefore;
    this.token = token;
    this.expiresAt = expiry(token);
    this.current = transports.apply(token);
  }

  /** The token in use. */
  synchronized String token() {
    return token;
  }

  @Override
  public SchemaResponse schema() {
    return call(Transport::schema);
  }

  @Override
  public PushResponse push(PushRequest request) {
    return call(transport -> transport.push(request));
  }

  @Override
  public PushResponse push(EncodedPush push) {
    return call(transport -> transport.push(push));
  }

  @Override
  public PullResponse pull(PullRequest request) {
    return call(transport -> transport.pull(request));
  }

  @Override
  public PullResponse pullPacked(PullRequest request) {
    return call(transport -> transport.pullPacked(request));
  }

  @Override
  public boolean callerThreadOnly() {
    return current.callerThreadOnly();
  }

  @Override
  public void health() {
    current.health();
  }

  @Override
  public VerifyResponse verify(VerifyRequest request) {
    return call(transport -> transport.verify(request));
  }

  @Override
  public RecordsResponse records(RecordsRequest request) {
    return call(transport -> transport.records(request));
  }

  @Override
  public LiveSocket live(LiveSocket.Listener listener) {
    return call(transport -> transport.live(listener));
  }

  private <T> T call(Function<Transport, T> request) {
    Transport used = beforeCall();
    try {
      return request.apply(used);
    } catch (AuthException refused) {
      if (refused.reason() != SyncException.Reason.UNAUTHORIZED) {
        throw refused;
      }
      Transport renewed = renew(used, refused);
      return request.apply(renewed);
    }
  }

  /** Asks for a new token once when the one in use expires soon; returns the transport to use. */
  private synchronized Transport beforeCall() {
    saveIfUnsaved();
    if (expiresAt != null
        && !token.equals(askedEarlyFor)
        && !clock.instant().plus(refreshBefore).isBefore(expiresAt)) {
      askedEarlyFor = token;
      String fresh = ask(TokenProvider.Reason.EXPIRING, null);
      if (fresh != null) {
        use(fresh);
      }
    }
    return current;
  }

  /**
   * The server refused the token {@code used} was made with: the transport of a fresh token (one
   * another thread got meanwhile, or the provider's).
   *
   * @throws AuthException {@code refused}, when the provider has no new token
   */
  private synchronized Transport renew(Transport used, AuthException refused) {
    if (current != used) {
      return current;
    }
    String fresh = ask(TokenProvider.Reason.REFUSED, refused);
    if (fresh == null) {
      throw refused;
    }
    use(fresh);
    return current;
  }

  private String ask(TokenProvider.Reason reason, AuthException refused) {
    String fresh;
    try {
      fresh = provider.freshToken(reason, token);
    } catch (RuntimeException e) {
      if (refused != null) {
        refused.addSuppressed(e);
        throw refused;
      }
      LOG.warn("the token provider failed for {}: {}", database, e.toString());
      return null;
    }
    return fresh == null || fresh.trim().isEmpty() || fresh.equals(token) ? null : fresh;
  }

  private void use(String fresh) {
    token = fresh;
    expiresAt = expiry(fresh);
    current = transports.apply(fresh);
    unsaved = true;
    saveIfUnsaved();
    LOG.info("{} uses a new token from the token provider", database);
  }

  /**
   * Stores the token in use; while the database is busy (a sync holds its write lock), or not
   * created yet, the next call tries again.
   */
  private void saveIfUnsaved() {
    if (!unsaved || !Files.isRegularFile(database.path())) {
      return;
    }
    try (Connection c = DeviceDatabase.connect(database, false);
        Statement pragma = c.createStatement()) {
      pragma.execute("PRAGMA busy_timeout = 200");
      DeviceState state = new DeviceState(c);
      if (state.exists()) {
        state.storeToken(token);
        unsaved = false;
      }
    } catch (SQLException | SyncException e) {
      LOG.debug(
          "storing the new token in {} failed, trying again later: {}", database, e.toString());
    }
  }

  /** The {@code exp} of a JWT, or null when the token is not one or has none. */
  static Instant expiry(String token) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return null;
    }
    try {
      String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      JsonElement claims = JsonParser.parseString(payload);
      if (!claims.isJsonObject()) {
        return null;
      }
      JsonObject object = claims.getAsJsonObject();
      return object.has("exp") && object.get("exp").isJsonPrimitive()
          ? Instant.ofEpochSecond(object.get("exp").getAsLong())
          : null;
    } catch (IllegalArgumentException | JsonParseException | UnsupportedOperationException e) {
      return null;
    }
  }
}
