package io.fieldsync.server.http;

import com.google.gson.JsonElement;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;

/** A response body with its status and headers. */
record Reply(int status, String contentType, String contentEncoding, byte[] body) {
  private static final String JSON_UTF8 = MessageCodec.JSON + "; charset=utf-8";

  /** A 200 JSON answer of an endpoint that speaks only JSON (health, review, admin). */
  static Reply json(JsonElement json) {
    return json(json.toString());
  }

  static Reply json(String json) {
    return json(200, json);
  }

  /** A JSON body ending with a newline, as the error bodies are written. */
  static Reply jsonLine(int status, JsonElement json) {
    return json(status, json + "\n");
  }

  private static Reply json(int status, String text) {
    return new Reply(status, JSON_UTF8, null, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A 200 answer in a text format of its own (the metrics). */
  static Reply text(String text, String contentType) {
    return new Reply(200, contentType, null, text.getBytes(StandardCharsets.UTF_8));
  }

  static Reply message(Message message, MessageCodec.Format format) {
    return new Reply(
        200,
        MessageCodec.contentType(format),
        format == MessageCodec.Format.PROTOBUF ? "zstd" : null,
        MessageCodec.write(message, format));
  }
}
