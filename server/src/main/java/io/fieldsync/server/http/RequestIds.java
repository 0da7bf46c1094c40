package io.fieldsync.server.http;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The id of each request, carried by its log lines (MDC key {@value #MDC_KEY}) and by the response
 * ({@value #HEADER}): the caller's own when it sends a well-formed one (a proxy's, so one id
 * follows the request through both logs), else a new one, unique in the process and across nodes (a
 * random prefix per server, then a counter). Thread-safe.
 */
final class RequestIds {
  static final String HEADER = "X-Request-Id";
  static final String MDC_KEY = "request_id";

  /** The longest incoming id taken as is. */
  static final int MAX_LENGTH = 128;

  private final String prefix;
  private final AtomicLong next = new AtomicLong();

  RequestIds() {
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    this.prefix = HexFormat.of().formatHex(random) + "-";
  }

  /** The incoming id when it is well-formed, else a new one. */
  String of(String incoming) {
    return wellFormed(incoming) ? incoming : prefix + Long.toString(next.incrementAndGet(), 36);
  }

  /**
   * Whether an incoming id can go into logs and headers as is: 1 to {@value #MAX_LENGTH} letters,
   * digits and {@code - _ . : /} (a UUID, a proxy's hex id, a trace id), nothing that could forge a
   * log line or a header.
   */
  static boolean wellFormed(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '/';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
