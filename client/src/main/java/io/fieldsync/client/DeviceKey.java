package io.fieldsync.client;

import io.fieldsync.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The key of an encrypted device database: 32 random bytes, used as a raw SQLCipher 4 key (no
 * passphrase derivation, so opening a connection costs no key stretching). A key file holds them as
 * 64 hex digits, e.g. made with {@code openssl rand -hex 32 > device.key && chmod 600 device.key};
 * white space around them is ignored. Keep the key outside the database's directory backups: the
 * database cannot be read without it.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never shows the key.
 */
public final class DeviceKey {
  /** Bytes in a key. */
  public static final int BYTES = 32;

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final byte[] bytes;

  private DeviceKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * A key of {@code bytes} (copied), e.g. from the platform's key store.
   *
   * @throws IllegalArgumentException when {@code bytes} is not 32 bytes long
   */
  public static DeviceKey of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "a device key is " + BYTES + " bytes, found " + bytes.length);
    }
    return new DeviceKey(bytes.clone());
  }

  /**
   * Reads a key file: 64 hex digits, readable by its owner only (on file systems with POSIX
   * permissions).
   *
   * @throws ConfigException when the file is missing, empty, not 64 hex digits, or readable by
   *     other users; the message never holds the file's content
   */
  public static DeviceKey read(Path keyFile) {
    Objects.requireNonNull(keyFile, "keyFile");
    String text;
    try {
      requireOwnerOnly(keyFile);
      text = new String(Files.readAllBytes(keyFile), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      throw new ConfigException("key file " + keyFile + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read key file " + keyFile + ": " + e, e);
    }
    if (text.isEmpty()) {
      throw new ConfigException("key file " + keyFile + " is empty; " + format(keyFile));
    }
    if (text.length() != 2 * BYTES || !hex(text)) {
      throw new ConfigException(
          "key file "
              + keyFile
              + " holds "
              + text.length()
              + " characters that are not "
              + 2 * BYTES
              + " hex digits; "
              + format(keyFile));
    }
    byte[] bytes = new byte[BYTES];
    for (int i = 0; i < BYTES; i++) {
      bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
    }
    return new DeviceKey(bytes);
  }

  /** The key's bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public String toString() {
    return "DeviceKey[" + BYTES + " bytes]";
  }

  private static void requireOwnerOnly(Path keyFile) throws IOException {
    PosixFileAttributeView posix =
        Files.getFileAttributeView(keyFile, PosixFileAttributeView.class);
    if (posix == null) {
      Files.size(keyFile);
      return;
    }
    Set<PosixFilePermission> permissions = posix.readAttributes().permissions();
    if (permissions.stream().anyMatch(OTHERS::contains)) {
      throw new ConfigException(
          "key file "
              + keyFile
              + " is open to other users ("
              + PosixFilePermissions.toString(permissions)
              + "); restrict it with `chmod 600 "
              + keyFile
              + "`");
    }
  }

  private static boolean hex(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.digit(text.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  private static String format(Path keyFile) {
    return "a device key file holds "
        + 2 * BYTES
        + " hex digits (32 random bytes), e.g. `openssl rand -hex 32 > "
        + keyFile
        + "`";
  }
}
