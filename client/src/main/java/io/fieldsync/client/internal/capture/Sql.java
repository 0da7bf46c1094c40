package io.fieldsync.client.internal.capture;

import io.fieldsync.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** SQL text helpers shared by the DDL, the capture triggers and the log reader. */
public final class Sql {
  /** SQLite caps function arguments (127 by default); JSON builders are chunked below it. */
  private static final int MAX_PAIRS_PER_CALL = 50;

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");

  /**
   * The next HLC, computed in SQL as {@code io.fieldsync.clock.HybridClock#now()} does but without
   * a write: above the log's last row and above {@code _fs_state.hlc}, which holds merged HLCs and
   * the stamp of the last row drained from the log.
   */
  static final String NEXT_HLC =
      "max(coalesce((SELECT hlc FROM _fs_changelog ORDER BY id DESC LIMIT 1), 0) + 1,"
          + " (SELECT hlc FROM _fs_state) + 1,"
          + " CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536)";

  static final String CAPTURE_ON = "(SELECT capture FROM _fs_state) = 1";

  private Sql() {}

  /**
   * A quoted identifier. Names come from the server's schema, so they are checked here before they
   * reach any SQL text.
   *
   * @throws ProtocolException when the name is not a plain identifier or is reserved
   */
  public static String id(String name) {
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

  static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /**
   * A SQL value as JSON text for a log object. Reals are printed with 17 significant digits because
   * {@code json_quote} (like {@code json_object}) prints only 15 and would lose precision; blobs
   * (which JSON cannot hold) are logged as hex text so a stray blob never fails the application's
   * write.
   */
  static String jsonValue(String expr) {
    return "CASE typeof("
        + expr
        + ") WHEN 'real' THEN CASE WHEN abs("
        + expr
        + ") <= 1.7976931348623157e308 THEN printf('%!.17g', "
        + expr
        + ") ELSE json_quote("
        + expr
        + ") END WHEN 'blob' THEN json_quote(hex("
        + expr
        + ")) ELSE json_quote("
        + expr
        + ") END";
  }

  /** {@link #jsonValue} of a value that cannot be a real. */
  static String jsonTextValue(String expr) {
    return "CASE WHEN typeof("
        + expr
        + ") = 'blob' THEN json_quote(hex("
        + expr
        + ")) ELSE json_quote("
        + expr
        + ") END";
  }

  /** {@code "name":} of an identifier, which needs no JSON escaping. */
  static String jsonKey(String name) {
    checkIdentifier(name);
    return '"' + name + "\":";
  }

  /** {@code a || b || ...}, parenthesised in groups to keep the expression tree shallow. */
  static String concat(List<String> pieces) {
    StringBuilder sql = new StringBuilder();
    for (int from = 0; from < pieces.size(); from += MAX_PAIRS_PER_CALL) {
      if (from > 0) {
        sql.append(" || ");
      }
      sql.append('(')
          .append(
              String.join(
                  " || ", pieces.subList(from, Math.min(from + MAX_PAIRS_PER_CALL, pieces.size()))))
          .append(')');
    }
    return sql.toString();
  }

  /** {@code json_object} over any number of key/value pairs (keys are identifiers). */
  static String jsonObject(List<String[]> pairs) {
    if (pairs.isEmpty()) {
      return "json_object()";
    }
    StringBuilder sql = new StringBuilder("json_object(");
    appendPairs(sql, pairs.subList(0, Math.min(MAX_PAIRS_PER_CALL, pairs.size())), false);
    sql.append(')');
    String result = sql.toString();
    for (int from = MAX_PAIRS_PER_CALL; from < pairs.size(); from += MAX_PAIRS_PER_CALL) {
      StringBuilder wrap = new StringBuilder("json_set(").append(result).append(", ");
      appendPairs(
          wrap, pairs.subList(from, Math.min(from + MAX_PAIRS_PER_CALL, pairs.size())), true);
      result = wrap.append(')').toString();
    }
    return result;
  }

  private static void appendPairs(StringBuilder sql, List<String[]> pairs, boolean asPaths) {
    for (int i = 0; i < pairs.size(); i++) {
      if (i > 0) {
        sql.append(", ");
      }
      String key = pairs.get(i)[0];
      sql.append(literal(asPaths ? "$." + key : key)).append(", ").append(pairs.get(i)[1]);
    }
  }

  /** {@code json_remove(object, path...)} over any number of path expressions. */
  static String jsonRemove(String object, List<String> pathExpressions) {
    String result = object;
    for (int from = 0; from < pathExpressions.size(); from += 2 * MAX_PAIRS_PER_CALL) {
      List<String> chunk =
          pathExpressions.subList(
              from, Math.min(from + 2 * MAX_PAIRS_PER_CALL, pathExpressions.size()));
      result = "json_remove(" + result + ", " + String.join(", ", chunk) + ")";
    }
    return result;
  }

  /** A path expression that removes {@code key} when {@code unchanged} holds. */
  static String removeWhen(String unchanged, String key) {
    return "CASE WHEN " + unchanged + " THEN '$." + key + "' ELSE '$.__none' END";
  }

  static List<String> list(String... items) {
    return new ArrayList<>(List.of(items));
  }
}
