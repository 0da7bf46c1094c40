package io.fieldsync.server.http;

import java.io.IOException;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * What the endpoints read of a request: its headers, query parameters and body. Jetty's requests
 * are one source; an in-process exchange (see {@link SyncHandler#exchange}) is the other, so both
 * run the same decoding, authentication and dispatch.
 */
interface Incoming {
  /** A header's value, or null. */
  String header(HttpHeader header);

  /** A query parameter's value, or null. */
  String queryParameter(String name);

  /**
   * The whole body, refused with a 413 beyond {@code limit} bytes.
   *
   * @param readTimeoutMillis how long the body may stall on a connection
   */
  byte[] body(int limit, long readTimeoutMillis) throws IOException;

  static Incoming of(Request request) {
    return new Incoming() {
      @Override
      public String header(HttpHeader header) {
        return request.getHeaders().get(header);
      }

      @Override
      public String queryParameter(String name) {
        Fields query = Request.extractQueryParameters(request);
        return query.getValue(name);
      }

      @Override
      public byte[] body(int limit, long readTimeoutMillis) throws IOException {
        return RequestBody.raw(request, limit, readTimeoutMillis);
      }
    };
  }

  /** A request handed over in process: headers by name (any case), no query, a body in memory. */
  static Incoming of(Map<String, String> headers, byte[] body) {
    return new Incoming() {
      @Override
      public String header(HttpHeader header) {
        for (Map.Entry<String, String> entry : headers.entrySet()) {
          if (header.is(entry.getKey())) {
            return entry.getValue();
          }
        }
        return null;
      }

      @Override
      public String queryParameter(String name) {
        return null;
      }

      @Override
      public byte[] body(int limit, long readTimeoutMillis) {
        if (body.length > limit) {
          throw HttpFailure.tooLarge(
              "body of " + body.length + " bytes exceeds the limit of " + limit + " bytes");
        }
        return body;
      }
    };
  }
}
