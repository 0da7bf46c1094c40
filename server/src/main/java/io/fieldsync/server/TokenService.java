package io.fieldsync.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.fieldsync.AuthException;
import io.fieldsync.ConfigException;
import io.fieldsync.server.uplink.Uplink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Mints and verifies bearer tokens: JWTs signed with HS256, carrying tenant ({@code tid}), device
 * ({@code did}), user ({@code sub}), {@code role}, {@code scopes}, {@code iat} and {@code exp}.
 *
 * <p>Thread-safe.
 */
public final class TokenService {
  /** The shortest secret accepted: HS256 wants a key as long as its hash. */
  public static final int MIN_SECRET_BYTES = 32;

  static final String ISSUER = "fieldsync";
  private static final String TENANT = "tid";
  private static final String DEVICE = "did";
  private static final String ROLE = "role";
  private static final String SCOPES = "scopes";

  private final Algorithm algorithm;
  private final LongSupplier wallClock;
  private final JWTVerifier verifier;
  private final JWTVerifier previousVerifier;

  /** A service on the system clock. */
  public TokenService(byte[] secret) {
    this(secret, System::currentTimeMillis);
  }

  /**
   * @param secret the HS256 key, at least {@value #MIN_SECRET_BYTES} bytes
   * @param wallClock epoch milliseconds, for {@code iat} and expiry checks
   * @throws ConfigException when the secret is too short
   */
  private final Revocations revocations;

  public TokenService(byte[] secret, LongSupplier wallClock) {
    this(secret, wallClock, null);
  }

  /** A service that also refuses the tokens {@code revocations} says were revoked. */
  TokenService(byte[] secret, LongSupplier wallClock, Revocations revocations) {
    this(secret, null, wallClock, revocations);
  }

  /**
   * A service that mints with {@code secret} and also accepts tokens signed with {@code
   * previousSecret}, while a secret is being replaced without refusing the devices' tokens.
   *
   * @param previousSecret the secret being replaced, or null
   */
  TokenService(
      byte[] secret, byte[] previousSecret, LongSupplier wallClock, Revocations revocations) {
    this.revocations = revocations;
    requireLongEnough(secret, "the token secret");
    this.algorithm = Algorithm.HMAC256(secret.clone());
    this.wallClock = wallClock;
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochMilli(wallClock.getAsLong());
          }
        };
    this.verifier = verifier(algorithm, clock);
    if (previousSecret != null) {
      requireLongEnough(previousSecret, "the previous token secret");
      this.previousVerifier = verifier(Algorithm.HMAC256(previousSecret.clone()), clock);
    } else {
      this.previousVerifier = null;
    }
  }

  private static void requireLongEnough(byte[] secret, String what) {
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new ConfigException(
          what
              + " must be at least "
              + MIN_SECRET_BYTES
              + " bytes, found "
              + (secret == null ? 0 : secret.length));
    }
  }

  private static JWTVerifier verifier(Algorithm algorithm, Clock clock) {
    return ((JWTVerifier.BaseVerification)
            JWT.require(algorithm)
                .withIssuer(ISSUER)
                .withClaimPresence(TENANT)
                .withClaimPresence(DEVICE)
                .withClaimPresence("exp")
                .acceptLeeway(5))
        .build(clock);
  }

  /** Checks the token with the secret, else with the previous one when there is one. */
  private DecodedJWT verifySignature(String token) {
    try {
      return verifier.verify(token);
    } catch (SignatureVerificationException e) {
      if (previousVerifier == null) {
        throw e;
      }
      return previousVerifier.verify(token);
    }
  }

  /**
   * Mints a token valid from now for {@code ttl}.
   *
   * @param user may be null
   * @param role may be null; {@code admin} may use the review queue
   * @param scopes may be null or empty
   * @throws IllegalArgumentException when tenant or device is empty, the device is the name an
   *     uplink writes under, or ttl is not positive
   */
  public String mint(
      String tenant, String device, String user, String role, List<String> scopes, Duration ttl) {
    if (Uplink.DEVICE.equals(device)) {
      throw new IllegalArgumentException(
          "device id " + device + " is reserved: a server's uplink writes under it");
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, found " + ttl);
    }
    Instant now = Instant.ofEpochSecond(Math.floorDiv(wallClock.getAsLong(), 1000));
    return mint(new TokenClaims(tenant, device, user, role, scopes, now, now.plus(ttl)));
  }

  /** Mints a token carrying exactly these claims (times are truncated to seconds). */
  public String mint(TokenClaims claims) {
    var builder =
        JWT.create()
            .withIssuer(ISSUER)
            .withClaim(TENANT, claims.tenant())
            .withClaim(DEVICE, claims.device())
            .withClaim(SCOPES, claims.scopes())
            .withIssuedAt(claims.issuedAt())
            .withExpiresAt(claims.expiresAt());
    if (claims.user() != null) {
      builder.withSubject(claims.user());
    }
    if (claims.role() != null) {
      builder.withClaim(ROLE, claims.role());
    }
    return builder.sign(algorithm);
  }

  /**
   * Checks a token's signature, issuer and expiry and returns its claims.
   *
   * @throws AuthException saying whether the token is malformed, forged, expired or incomplete
   */
  public TokenClaims verify(String token) {
    if (token == null || token.isBlank()) {
      throw new AuthException("missing bearer token; send Authorization: Bearer <token>");
    }
    DecodedJWT jwt;
    TokenClaims claims;
    try {
      jwt = verifySignature(token);
    } catch (TokenExpiredException e) {
      throw new AuthException("token expired at " + e.getExpiredOn() + "; get a new one");
    } catch (SignatureVerificationException | AlgorithmMismatchException e) {
      throw new AuthException("token signature is invalid (not signed by this server)");
    } catch (JWTDecodeException e) {
      throw new AuthException("token is malformed: not a signed JWT");
    } catch (MissingClaimException e) {
      throw new AuthException("token lacks the '" + e.getClaimName() + "' claim");
    } catch (JWTVerificationException e) {
      throw new AuthException("token is not valid: " + e.getMessage());
    }
    try {
      List<String> scopes =
          jwt.getClaim(SCOPES).isMissing() ? List.of() : jwt.getClaim(SCOPES).asList(String.class);
      Instant issued = jwt.getIssuedAtAsInstant();
      Instant expires = jwt.getExpiresAtAsInstant();
      claims =
          new TokenClaims(
              jwt.getClaim(TENANT).asString(),
              jwt.getClaim(DEVICE).asString(),
              jwt.getSubject(),
              jwt.getClaim(ROLE).asString(),
              scopes,
              issued == null ? expires.minusSeconds(1) : issued,
              expires);
    } catch (IllegalArgumentException | JWTDecodeException | NullPointerException e) {
      throw new AuthException("token claims are malformed: " + e.getMessage());
    }
    if (revocations != null) {
      revocations.check(claims);
    }
    return claims;
  }

  /**
   * Reads a base64 secret from a file, or creates the file with {@value #MIN_SECRET_BYTES} random
   * bytes (readable only by its owner where the file system supports POSIX permissions).
   *
   * @throws ConfigException when the file cannot be read or written, or holds a bad secret
   */
  public static byte[] loadOrCreateSecret(Path file) {
    if (!Files.exists(file)) {
      TokenSecret created = TokenSecret.random();
      if (writeSecret(file, created)) {
        return created.bytes();
      }
    }
    return readSecret(file).bytes();
  }

  /**
   * Reads the secret a file holds in the text form of {@link TokenSecret}.
   *
   * @throws ConfigException when the file cannot be read or holds a bad secret
   */
  public static TokenSecret readSecret(Path file) {
    try {
      return TokenSecret.fromBase64(
          Files.readString(file, StandardCharsets.US_ASCII), "secret file " + file);
    } catch (IOException e) {
      throw new ConfigException("cannot read secret file " + file + ": " + e, e);
    }
  }

  /**
   * Creates {@code file} holding {@code secret}, readable only by its owner where the file system
   * supports POSIX permissions.
   *
   * @return false when the file exists already (it is left as it is)
   * @throws ConfigException when the file cannot be written
   */
  public static boolean writeSecret(Path file, TokenSecret secret) {
    byte[] text = (secret.base64() + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
      Files.write(file, text);
      return true;
    } catch (FileAlreadyExistsException raced) {
      return false;
    } catch (IOException e) {
      throw new ConfigException("cannot write secret file " + file + ": " + e, e);
    }
  }
}
