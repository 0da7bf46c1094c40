package io.fieldsync.server.http;

import com.google.protobuf.Message;
import io.fieldsync.ProtocolException;
import io.fieldsync.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and decodes request bodies within the configured bounds: the format its headers name, at
 * most {@link ServerConfig#maxBodyBytes()} (compressed or not), and no longer stalled than the body
 * read timeout. Thread-safe.
 */
final class RequestBody {
  private static final Logger log = LoggerFactory.getLogger(RequestBody.class);

  /** The most bytes of a refused body read only to be dropped (see {@link #discard}). */
  static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;

  private final int maxBodyBytes;
  private final long readTimeoutMillis;

  RequestBody(ServerConfig config) {
    this.maxBodyBytes = config.maxBodyBytes();
    this.readTimeoutMillis = config.bodyReadTimeoutMillis();
  }

  /** The format the request's Content-Type names; 415 for anything else. */
  static MessageCodec.Format format(Incoming request) {
    return MessageCodec.requestFormat(request.header(HttpHeader.CONTENT_TYPE));
  }

  /** The format to answer in: what Accept asks for, else the request's own. */
  static MessageCodec.Format responseFormat(Incoming request, MessageCodec.Format requestFormat) {
    return MessageCodec.responseFormat(request.header(HttpHeader.ACCEPT), requestFormat);
  }

  /** The body as a message of {@code prototype}'s type. */
  <T extends Message> T message(Incoming request, T prototype, MessageCodec.Format format)
      throws IOException {
    boolean zstd = MessageCodec.zstdEncoded(request.header(HttpHeader.CONTENT_ENCODING));
    byte[] body = request.body(maxBodyBytes, readTimeoutMillis);
    return MessageCodec.read(prototype, format, zstd, body, maxBodyBytes);
  }

  /** The body of an endpoint that takes only JSON (the admin ones), decompressed if it says so. */
  String jsonText(Incoming request, String what) throws IOException {
    if (format(request) != MessageCodec.Format.JSON) {
      throw HttpFailure.unsupportedMediaType(what + " takes application/json");
    }
    byte[] body = request.body(maxBodyBytes, readTimeoutMillis);
    if (MessageCodec.zstdEncoded(request.header(HttpHeader.CONTENT_ENCODING))) {
      MessageCodec.requireZstdAsDeclared(body, MessageCodec.Format.JSON);
      body = MessageCodec.decompress(body, maxBodyBytes);
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Reads the body, refusing more than the limit without reading it all. While it reads, the
   * connection's idle timeout is the body read timeout, so a stalled body fails fast with a 408.
   */
  static byte[] raw(Request request, int limit, long readTimeoutMillis) throws IOException {
    long declared = request.getLength();
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    long idleTimeout = endPoint.getIdleTimeout();
    endPoint.setIdleTimeout(readTimeoutMillis);
    if (declared > limit) {
      try (InputStream in = Content.Source.asInputStream(request)) {
        discard(in, declared);
      } finally {
        endPoint.setIdleTimeout(idleTimeout);
      }
      throw HttpFailure.tooLarge(
          "body of " + declared + " bytes exceeds the limit of " + limit + " bytes");
    }
    ByteArrayOutputStream body =
        new ByteArrayOutputStream(declared > 0 ? (int) declared : 8 * 1024);
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] buffer = new byte[16 * 1024];
      int read;
      while ((read = in.read(buffer)) != -1) {
        body.write(buffer, 0, read);
        if (body.size() > limit) {
          discard(in, -1);
          throw HttpFailure.tooLarge("body exceeds the limit of " + limit + " bytes");
        }
      }
      return body.toByteArray();
    } catch (EOFException e) {
      // The client closed before sending the whole body: its fault, not the server's.
      throw new ProtocolException(
          "body ended early: the connection closed before the "
              + (declared >= 0 ? declared + " declared bytes" : "end of the chunked body")
              + " arrived");
    } catch (IOException e) {
      if (!causedByTimeout(e)) {
        throw e;
      }
      throw HttpFailure.requestTimeout(
          "request body stalled: "
              + body.size()
              + (declared >= 0 ? " of " + declared : "")
              + " bytes arrived, then nothing for "
              + durationText(readTimeoutMillis));
    } finally {
      endPoint.setIdleTimeout(idleTimeout);
    }
  }

  /**
   * Reads and drops what is left of a body that will be refused, up to {@link #MAX_DISCARD_BYTES}:
   * a server that answers and closes while the client is still sending makes the client's TCP stack
   * drop the answer with the connection, and the client sees a reset instead of the 413.
   */
  private static void discard(InputStream in, long declared) {
    if (declared > MAX_DISCARD_BYTES) {
      return; // not worth the bandwidth: the client gets a reset, or the 413 if it reads early
    }
    byte[] buffer = new byte[64 * 1024];
    long dropped = 0;
    try {
      int read;
      while (dropped <= MAX_DISCARD_BYTES && (read = in.read(buffer)) != -1) {
        dropped += read;
      }
    } catch (IOException e) {
      log.debug("dropping a refused body ended early: {}", e.toString());
    }
  }

  private static boolean causedByTimeout(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String durationText(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
