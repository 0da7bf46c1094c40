package io.fieldsync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.AuthException;
import io.fieldsync.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {
  static final byte[] SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  final AtomicLong wall = new AtomicLong(1_800_000_000_000L);
  final TokenService tokens = new TokenService(SECRET, wall::get);

  @Test
  void mintedTokenVerifiesToTheSameClaims() {
    String token =
        tokens.mint(
            "acme", "tablet-7", "amina", "admin", List.of("region:north"), Duration.ofDays(30));
    TokenClaims claims = tokens.verify(token);
    assertThat(claims.tenant()).isEqualTo("acme");
    assertThat(claims.device()).isEqualTo("tablet-7");
    assertThat(claims.user()).isEqualTo("amina");
    assertThat(claims.role()).isEqualTo("admin");
    assertThat(claims.isAdmin()).isTrue();
    assertThat(claims.scopes()).containsExactly("region:north");
    assertThat(claims.issuedAt()).isEqualTo(Instant.ofEpochMilli(wall.get()));
    assertThat(claims.expiresAt())
        .isEqualTo(Instant.ofEpochMilli(wall.get()).plus(Duration.ofDays(30)));
  }

  @Test
  void optionalClaimsMayBeAbsent() {
    TokenClaims claims =
        tokens.verify(tokens.mint("acme", "d1", null, null, null, Duration.ofHours(1)));
    assertThat(claims.user()).isNull();
    assertThat(claims.role()).isNull();
    assertThat(claims.scopes()).isEmpty();
  }

  @Test
  void theDeviceNameAnUplinkWritesUnderIsNotMinted() {
    assertThatThrownBy(
            () -> tokens.mint("acme", "(upstream)", null, null, null, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device id (upstream) is reserved: a server's uplink writes under it");
  }

  @Test
  void expiredTokenIsRefused() {
    String token = tokens.mint("acme", "d1", null, null, null, Duration.ofSeconds(60));
    wall.addAndGet(70_000);
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOf(AuthException.class)
        .hasMessage(
            "token expired at " + Instant.ofEpochMilli(1_800_000_060_000L) + "; get a new one");
  }

  @Test
  void tamperedTokenIsRefused() {
    String token = tokens.mint("acme", "d1", null, null, null, Duration.ofHours(1));
    String other = tokens.mint("globex", "d1", null, null, null, Duration.ofHours(1));
    String spliced = token.substring(0, token.indexOf('.')) + other.substring(other.indexOf('.'));
    String swapped =
        other.substring(0, other.lastIndexOf('.')) + token.substring(token.lastIndexOf('.'));
    assertThatThrownBy(() -> tokens.verify(swapped))
        .isInstanceOf(AuthException.class)
        .hasMessage("token signature is invalid (not signed by this server)");
    assertThat(tokens.verify(spliced).tenant()).isEqualTo("globex"); // same header: still genuine
  }

  @Test
  void whileASecretIsReplacedTokensOfBothAreAcceptedAndNewOnesAreSignedWithTheNewOne() {
    byte[] replacement = TokenSecret.random().bytes();
    TokenService rotating = new TokenService(replacement, SECRET, wall::get, null);
    TokenService after = new TokenService(replacement, wall::get);
    String old = tokens.mint("acme", "d1", null, null, null, Duration.ofHours(1));
    String minted = rotating.mint("acme", "d2", null, null, null, Duration.ofHours(1));

    assertThat(rotating.verify(old).device()).isEqualTo("d1");
    assertThat(rotating.verify(minted).device()).isEqualTo("d2");
    assertThat(after.verify(minted).device()).isEqualTo("d2");
    assertThatThrownBy(() -> after.verify(old))
        .isInstanceOf(AuthException.class)
        .hasMessage("token signature is invalid (not signed by this server)");
    String stranger =
        new TokenService(TokenSecret.random().bytes(), wall::get)
            .mint("acme", "d3", null, null, null, Duration.ofHours(1));
    assertThatThrownBy(() -> rotating.verify(stranger))
        .isInstanceOf(AuthException.class)
        .hasMessage("token signature is invalid (not signed by this server)");
  }

  @Test
  void shortSecretIsAConfigError() {
    assertThatThrownBy(() -> new TokenService(new byte[16]))
        .isInstanceOf(ConfigException.class)
        .hasMessage("the token secret must be at least 32 bytes, found 16");
  }

  @Test
  void secretFileIsCreatedOnceOwnerOnlyAndReadBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys/secret");
    byte[] created = TokenService.loadOrCreateSecret(file);
    assertThat(created).hasSize(32);
    assertThat(TokenService.loadOrCreateSecret(file)).isEqualTo(created);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
    Files.writeString(file, "c2hvcnQ=");
    assertThatThrownBy(() -> TokenService.loadOrCreateSecret(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "secret file "
                + file
                + " holds 5 bytes; a token secret needs at least 32 (e.g. `openssl rand -base64"
                + " 32`)");
  }

  @Test
  void aTokenOfAPreviousSecretStillExpires() {
    String oldToken = tokens.mint("acme", "d1", null, null, null, Duration.ofSeconds(60));
    TokenService rotated =
        new TokenService(
            "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII),
            SECRET,
            wall::get,
            null);
    wall.addAndGet(70_000);
    assertThatThrownBy(() -> rotated.verify(oldToken))
        .isInstanceOf(AuthException.class)
        .hasMessage(
            "token expired at " + Instant.ofEpochMilli(1_800_000_060_000L) + "; get a new one");
  }

  @Test
  void aShortPreviousSecretIsRefused() {
    assertThatThrownBy(() -> new TokenService(SECRET, new byte[8], wall::get, null))
        .isInstanceOf(ConfigException.class)
        .hasMessage("the previous token secret must be at least 32 bytes, found 8");
  }
}
