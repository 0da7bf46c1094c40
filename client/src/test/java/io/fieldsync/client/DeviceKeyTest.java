package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceKeyTest {
  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

  @TempDir Path dir;

  @Test
  void keyFileOfSixtyFourHexDigitsGivesTheirBytesAndSurroundingWhiteSpaceIsIgnored()
      throws Exception {
    Path file = keyFile("  " + HEX + "\n");

    byte[] bytes = DeviceKey.read(file).bytes();

    assertThat(bytes).hasSize(32);
    assertThat(bytes[0]).isEqualTo((byte) 0x00);
    assertThat(bytes[1]).isEqualTo((byte) 0x11);
    assertThat(bytes[31]).isEqualTo((byte) 0xff);
    assertThat(bytes[24]).isEqualTo((byte) 0x88);
  }

  @Test
  void missingKeyFileIsRefused() {
    Path file = dir.resolve("none.key");

    assertThatThrownBy(() -> DeviceKey.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage("key file " + file + " does not exist");
  }

  @Test
  void emptyKeyFileIsRefusedWithTheFormat() throws Exception {
    Path file = keyFile("\n");

    assertThatThrownBy(() -> DeviceKey.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "key file "
                + file
                + " is empty; a device key file holds 64 hex digits (32 random bytes), e.g."
                + " `openssl rand -hex 32 > "
                + file
                + "`");
  }

  @Test
  void passphraseInsteadOfHexDigitsIsRefusedWithoutShowingIt() throws Exception {
    Path file = keyFile("correct horse battery staple");

    assertThatThrownBy(() -> DeviceKey.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "key file " + file + " holds 28 characters that are not 64 hex digits; ")
        .hasMessageNotContaining("horse");
  }

  @Test
  void sixtyFourCharactersThatAreNotAllHexAreRefused() throws Exception {
    Path file = keyFile(HEX.substring(0, 63) + "g");

    assertThatThrownBy(() -> DeviceKey.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "key file " + file + " holds 64 characters that are not 64 hex digits; ");
  }

  @Test
  void keyFileOthersMayReadIsRefused() throws Exception {
    Path file = keyFile(HEX);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> DeviceKey.read(file))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "key file "
                + file
                + " is open to other users (rw-r--r--); restrict it with `chmod 600 "
                + file
                + "`");
  }

  @Test
  void keyOfOtherThanThirtyTwoBytesIsRefused() {
    assertThatThrownBy(() -> DeviceKey.of(new byte[16]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a device key is 32 bytes, found 16");
  }

  @Test
  void keyNeverShowsItself() throws Exception {
    assertThat(DeviceKey.read(keyFile(HEX))).hasToString("DeviceKey[32 bytes]");
  }

  private Path keyFile(String content) throws Exception {
    Path file = Files.createTempFile(dir, "device", ".key");
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
