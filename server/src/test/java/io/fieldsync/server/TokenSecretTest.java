package io.fieldsync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.store.SettingStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokenSecretTest {
  /** Settings in a map: the contract suites check the real stores. */
  private static final class MapSettings implements SettingStore {
    final Map<String, String> values = new HashMap<>();

    @Override
    public String setting(String key) {
      return values.get(key);
    }

    @Override
    public String settingIfAbsent(String key, String value) {
      return values.computeIfAbsent(key, k -> value);
    }

    @Override
    public String replaceSetting(String key, String expected, String value) {
      values.replace(key, expected, value);
      return values.get(key);
    }
  }

  private static final String SECRET_TEXT =
      Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

  @Test
  void theTextFormIsBase64OfTheKeyAndReadsBackToTheSameKey() {
    TokenSecret secret = TokenSecret.fromBase64(SECRET_TEXT + "\n", "FIELDSYNC_SECRET");

    assertThat(new String(secret.bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("0123456789abcdef0123456789abcdef");
    assertThat(secret.base64()).isEqualTo(SECRET_TEXT);
    TokenSecret random = TokenSecret.random();
    assertThat(TokenSecret.fromBase64(random.base64(), "x")).isEqualTo(random);
    assertThat(random.bytes()).hasSize(32);
  }

  @Test
  void rawTextIsRefusedNamingItsSource() {
    assertThatThrownBy(
            () -> TokenSecret.fromBase64("not base64 at all, this text!", "FIELDSYNC_SECRET"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("FIELDSYNC_SECRET is not base64 (")
        .hasMessageEndingWith(
            "); a token secret is base64 of at least 32 random bytes, e.g. the output of `openssl"
                + " rand -base64 32`");
    assertThatThrownBy(() -> TokenSecret.fromBase64("c2hvcnQ=", "FIELDSYNC_SECRET"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "FIELDSYNC_SECRET holds 5 bytes; a token secret needs at least 32 (e.g. `openssl rand"
                + " -base64 32`)");
  }

  @Test
  void theFingerprintIsAKeyedHashThatNeverContainsTheSecret() throws Exception {
    TokenSecret secret = TokenSecret.fromBase64(SECRET_TEXT, "x");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
    String expected =
        "hmac-sha256:"
            + HexFormat.of()
                .formatHex(
                    mac.doFinal(
                        "fieldsync token secret fingerprint v1"
                            .getBytes(StandardCharsets.US_ASCII)));

    assertThat(secret.fingerprint()).isEqualTo(expected);
    assertThat(secret.fingerprint())
        .doesNotContain(SECRET_TEXT)
        .doesNotContain(HexFormat.of().formatHex(secret.bytes()));
    assertThat(TokenSecret.random().fingerprint()).isNotEqualTo(expected);
  }

  @Test
  void theFirstSecretIsRecordedAndADifferentOneIsRefused() {
    MapSettings store = new MapSettings();
    TokenSecret first = TokenSecret.random();
    TokenSecret other = TokenSecret.random();

    assertThat(TokenSecret.claimed(store)).isFalse();
    first.claim(store, "sync.db");
    assertThat(TokenSecret.claimed(store)).isTrue();
    assertThat(store.values)
        .containsExactly(Map.entry("token_secret_fingerprint", first.fingerprint()));
    first.claim(store, "sync.db");

    assertThatThrownBy(() -> other.claim(store, "sync.db"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "this node's token secret (fingerprint "
                + other.fingerprint().substring(0, 28)
                + "…) differs from the one store sync.db was started with (fingerprint "
                + first.fingerprint().substring(0, 28)
                + "…); every node of a store needs the same secret, or the tokens one node signs"
                + " are refused by the others: give this node the secret of the others"
                + " (FIELDSYNC_SECRET or --secret-file)");
    assertThat(store.values)
        .containsExactly(Map.entry("token_secret_fingerprint", first.fingerprint()));
  }

  @Test
  void aNodeGivenTheRecordedSecretAsPreviousRecordsItsNewOne() {
    MapSettings store = new MapSettings();
    TokenSecret old = TokenSecret.random();
    TokenSecret replacement = TokenSecret.random();
    old.claim(store, "sync.db");

    assertThat(replacement.claim(store, "sync.db", old)).isTrue();
    assertThat(store.values).containsEntry("token_secret_fingerprint", replacement.fingerprint());
    // The next nodes given the same pair find the replacement recorded already.
    assertThat(replacement.claim(store, "sync.db", old)).isFalse();
    assertThatThrownBy(() -> old.claim(store, "sync.db"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "this node's token secret (fingerprint " + old.fingerprint().substring(0, 28));
    // A previous secret the store does not record replaces nothing.
    TokenSecret stranger = TokenSecret.random();
    assertThatThrownBy(() -> stranger.claim(store, "sync.db", old))
        .isInstanceOf(ConfigException.class);
    assertThat(store.values).containsEntry("token_secret_fingerprint", replacement.fingerprint());
  }
}
