package io.fieldsync.server;

import io.fieldsync.ConfigException;
import io.fieldsync.store.SettingStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key tokens are signed with, in its one text form: base64 of at least {@value
 * TokenService#MIN_SECRET_BYTES} bytes, in a secret file and in {@code FIELDSYNC_SECRET} alike.
 *
 * <p>Every server node of one store must hold the same secret: a token one node signs is checked by
 * the others. The store keeps a fingerprint of the secret its nodes are started with, a keyed hash
 * ({@code HMAC-SHA256} of a fixed text under the secret) that tells secrets apart without revealing
 * them, and {@link #claim} refuses a node whose secret differs.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenSecret {
  /** The store setting that holds the fingerprint. */
  public static final String FINGERPRINT_SETTING = "token_secret_fingerprint";

  private static final byte[] FINGERPRINT_TEXT =
      "fieldsync token secret fingerprint v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] bytes;

  private TokenSecret(byte[] bytes) {
    this.bytes = bytes;
  }

  /** {@value TokenService#MIN_SECRET_BYTES} random bytes. */
  public static TokenSecret random() {
    byte[] bytes = new byte[TokenService.MIN_SECRET_BYTES];
    new SecureRandom().nextBytes(bytes);
    return new TokenSecret(bytes);
  }

  /**
   * Reads the text form.
   *
   * @param source where the text came from, for messages ({@code secret file x},{@code
   *     FIELDSYNC_SECRET})
   * @throws ConfigException when the text is not base64 or too short, naming the source
   */
  public static TokenSecret fromBase64(String text, String source) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          source
              + " is not base64 ("
              + e.getMessage()
              + "); a token secret is base64 of at least "
              + TokenService.MIN_SECRET_BYTES
              + " random bytes, e.g. the output of `openssl rand -base64 32`",
          e);
    }
    if (bytes.length < TokenService.MIN_SECRET_BYTES) {
      throw new ConfigException(
          source
              + " holds "
              + bytes.length
              + " bytes; a token secret needs at least "
              + TokenService.MIN_SECRET_BYTES
              + " (e.g. `openssl rand -base64 32`)");
    }
    return new TokenSecret(bytes);
  }

  /** The raw key. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The text form, as a secret file and {@code FIELDSYNC_SECRET} hold it. */
  public String base64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** {@code hmac-sha256:} and the hex of the keyed hash: safe to store and to show. */
  public String fingerprint() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
      return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(FINGERPRINT_TEXT));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }

  /**
   * Records this secret's fingerprint in the store if it holds none (its first start), else checks
   * that it is the one recorded.
   *
   * @param storeName the store, for the message
   * @throws ConfigException when the store was started with another secret
   * @throws io.fieldsync.StorageException when the store fails
   */
  public void claim(SettingStore store, String storeName) {
    claim(store, storeName, null);
  }

  /**
   * As {@link #claim(SettingStore, String)}, for a node replacing {@code previous} by this secret:
   * a store that records {@code previous} is made to record this one instead.
   *
   * @param previous the secret being replaced, or null
   * @return whether the store recorded {@code previous} and now records this secret
   * @throws ConfigException when the store records neither
   * @throws io.fieldsync.StorageException when the store fails
   */
  public boolean claim(SettingStore store, String storeName, TokenSecret previous) {
    String mine = fingerprint();
    String recorded = store.settingIfAbsent(FINGERPRINT_SETTING, mine);
    if (!recorded.equals(mine) && previous != null && recorded.equals(previous.fingerprint())) {
      recorded = store.replaceSetting(FINGERPRINT_SETTING, recorded, mine);
      if (mine.equals(recorded)) {
        return true;
      }
    }
    if (!mine.equals(recorded)) {
      throw new ConfigException(
          "this node's token secret (fingerprint "
              + shortly(mine)
              + ") differs from the one store "
              + storeName
              + " was started with (fingerprint "
              + shortly(recorded)
              + "); every node of a store needs the same secret, or the tokens one node signs are"
              + " refused by the others: give this node the secret of the others (FIELDSYNC_SECRET"
              + " or --secret-file)");
    }
    return false;
  }

  /** Whether the store records the fingerprint of a secret it was started with. */
  public static boolean claimed(SettingStore store) {
    return store.setting(FINGERPRINT_SETTING) != null;
  }

  /** The first 16 hex digits, enough to tell secrets apart in a message. */
  static String shortly(String fingerprint) {
    int digits = fingerprint.indexOf(':') + 1 + 16;
    return fingerprint.length() > digits ? fingerprint.substring(0, digits) + "…" : fingerprint;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TokenSecret secret && Arrays.equals(bytes, secret.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "TokenSecret[" + shortly(fingerprint()) + "]";
  }
}
