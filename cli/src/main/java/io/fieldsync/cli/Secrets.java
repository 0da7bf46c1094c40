package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.server.TokenService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where the server's token secret comes from: {@code FIELDSYNC_SECRET}, else a file. */
final class Secrets {
  static final String ENV = "FIELDSYNC_SECRET";
  static final String DEFAULT_FILE = "fieldsync.secret";

  private Secrets() {}

  static byte[] load(Path file, boolean createIfMissing) {
    String fromEnv = System.getenv(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      byte[] secret = fromEnv.getBytes(StandardCharsets.UTF_8);
      if (secret.length < TokenService.MIN_SECRET_BYTES) {
        throw new ConfigException(
            ENV
                + " must hold at least "
                + TokenService.MIN_SECRET_BYTES
                + " bytes, found "
                + secret.length);
      }
      return secret;
    }
    if (!createIfMissing && !file.toFile().exists()) {
      throw new ConfigException(
          "secret file "
              + file
              + " does not exist; start the server once (it creates it) or"
              + " pass --secret-file with the server's secret, or set "
              + ENV);
    }
    return TokenService.loadOrCreateSecret(file);
  }
}
