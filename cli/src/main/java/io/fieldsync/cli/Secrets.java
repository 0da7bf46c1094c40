package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.server.TokenSecret;
import io.fieldsync.server.TokenService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where secrets come from: an environment variable or a file, never the command line (where process
 * lists show it). The token secret is base64 in both ({@link TokenSecret}); a password is the
 * file's text without its final line break.
 */
final class Secrets {
  static final String SECRET_ENV = "FIELDSYNC_SECRET";
  static final String DEFAULT_FILE = "fieldsync.secret";
  static final String PREVIOUS_SECRET_ENV = "FIELDSYNC_PREVIOUS_SECRET";

  private final Map<String, String> environment;

  Secrets(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Whether {@code FIELDSYNC_SECRET} holds the token secret. */
  boolean fromEnvironment() {
    String fromEnvironment = environment.get(SECRET_ENV);
    return fromEnvironment != null && !fromEnvironment.isBlank();
  }

  /** The file the token secret is in: {@code --secret-file} when given, else the default. */
  static Path secretFile(Path given) {
    return given != null ? given : Path.of(DEFAULT_FILE);
  }

  /**
   * The token secret from {@code FIELDSYNC_SECRET}, else the secret file; null when neither holds
   * one.
   *
   * @param file {@code --secret-file}, null when not given (the default file is read)
   * @throws ConfigException when both are given, or the one given is not a valid secret
   */
  TokenSecret tokenSecret(Path file) {
    if (fromEnvironment()) {
      if (file != null) {
        throw new ConfigException(
            "the token secret is given twice, in "
                + SECRET_ENV
                + " and by --secret-file "
                + file
                + "; give it once");
      }
      return TokenSecret.fromBase64(environment.get(SECRET_ENV), SECRET_ENV);
    }
    Path chosen = secretFile(file);
    return Files.exists(chosen) ? TokenService.readSecret(chosen) : null;
  }

  /**
   * The secret being replaced, from {@code FIELDSYNC_PREVIOUS_SECRET}, else {@code
   * --previous-secret-file}; null when neither is given.
   *
   * @throws ConfigException when both are given, the file does not exist, or the secret is not
   *     valid
   */
  TokenSecret previousSecret(Path file) {
    String fromEnvironment = environment.get(PREVIOUS_SECRET_ENV);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      if (file != null) {
        throw new ConfigException(
            "the previous token secret is given twice, in "
                + PREVIOUS_SECRET_ENV
                + " and by --previous-secret-file "
                + file
                + "; give it once");
      }
      return TokenSecret.fromBase64(fromEnvironment, PREVIOUS_SECRET_ENV);
    }
    if (file == null) {
      return null;
    }
    if (!Files.exists(file)) {
      throw new ConfigException("--previous-secret-file " + file + " does not exist");
    }
    return TokenService.readSecret(file);
  }

  /**
   * A password from the environment variable {@code variable}, else from {@code file}; null when
   * neither is given.
   *
   * @param flag the flag that names the file, for messages
   * @throws ConfigException when both are given, or the file cannot be read or is empty
   */
  String password(String variable, String flag, Path file) {
    String fromEnvironment = environment.get(variable);
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      if (file != null) {
        throw new ConfigException(
            "a password is given twice, in " + variable + " and by " + flag + "; give it once");
      }
      return fromEnvironment;
    }
    if (file == null) {
      return null;
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(flag + " " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read " + flag + " " + file + ": " + e, e);
    }
    String password = text.replaceFirst("\\r?\\n$", "");
    if (password.isEmpty()) {
      throw new ConfigException(flag + " " + file + " is empty");
    }
    return password;
  }
}
