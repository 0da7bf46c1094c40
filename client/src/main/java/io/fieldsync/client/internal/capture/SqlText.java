package io.fieldsync.client.internal.capture;

import io.fieldsync.ProtocolException;
import java.util.regex.Pattern;

/**
 * Names from the server's schema made safe for SQL text: checked to be plain identifiers before
 * they reach any statement, then quoted.
 */
public final class SqlText {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");

  private SqlText() {}

  /**
   * A quoted identifier.
   *
   * @throws ProtocolException when the name is not a plain identifier or is reserved
   */
  public static String identifier(String name) {
    checkIdentifier(name);
    return '"' + name + '"';
  }

  static void checkIdentifier(String name) {
    if (name == null || !IDENTIFIER.matcher(name).matches() || name.startsWith("_fs_")) {
      throw new ProtocolException(
          "schema from server names '"
              + name
              + "': expected a plain identifier ([A-Za-z][A-Za-z0-9_]*, not starting with _fs_)");
    }
  }

  /** A quoted string literal. */
  static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
