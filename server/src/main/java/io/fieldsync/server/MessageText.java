package io.fieldsync.server;

import java.util.regex.Pattern;

/**
 * Text quoted from a request into a refusal message: shortened, so a hostile request cannot make
 * the answer or the log line huge, and without Java class names a device's user cannot act on.
 */
public final class MessageText {
  private static final int MAX_QUOTED = 60;

  private static final Pattern CLASS_NAME =
      Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ");

  private static final Pattern TROUBLESHOOTING_LINK = Pattern.compile("\\s*See https?://\\S+");

  private MessageText() {}

  /** {@code text} if it is short, else its start and "...". */
  public static String abbreviate(String text) {
    return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED - 3) + "...";
  }

  /** Parser messages sometimes start with the class name of an inner exception; users need not. */
  public static String withoutClassNames(String message) {
    return message == null
        ? "no detail"
        : TROUBLESHOOTING_LINK.matcher(CLASS_NAME.matcher(message).replaceAll("")).replaceAll("");
  }
}
