package io.fieldsync.server.http;

import com.github.luben.zstd.ZstdInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.ProtocolException;
import io.fieldsync.server.MessageText;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.WireCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads request bodies and writes responses in the two formats of the protocol: zstd protobuf and
 * proto3 JSON. Both refuse unknown fields, so a device and server that disagree about the protocol
 * fail loudly instead of dropping data.
 */
final class MessageCodec {
  static final String JSON = "application/json";

  enum Format {
    PROTOBUF,
    JSON
  }

  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer();

  /** The message-typed fields of each message type: the only ones that can nest unknown fields. */
  private static final Map<Descriptor, List<FieldDescriptor>> MESSAGE_FIELDS =
      new ConcurrentHashMap<>();

  private MessageCodec() {}

  /** The format named by a Content-Type header; 415 for anything else. */
  static Format requestFormat(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      throw HttpFailure.unsupportedMediaType(
          "missing Content-Type; send application/x-protobuf (with Content-Encoding: zstd) or"
              + " application/json");
    }
    String mime = mime(contentType);
    if (mime.equals(WireCodec.PROTOBUF)) {
      return Format.PROTOBUF;
    }
    if (mime.equals(JSON)) {
      return Format.JSON;
    }
    throw HttpFailure.unsupportedMediaType(
        "Content-Type '"
            + MessageText.abbreviate(contentType)
            + "' is not supported; send "
            + WireCodec.PROTOBUF
            + " (with Content-Encoding: zstd) or "
            + JSON);
  }

  /** The response format: what Accept asks for, else the request's own. */
  static Format responseFormat(String accept, Format requestFormat) {
    if (accept != null) {
      String lower = accept.toLowerCase(Locale.ROOT);
      if (lower.contains(WireCodec.PROTOBUF)) {
        return Format.PROTOBUF;
      }
      if (lower.contains(JSON)) {
        return Format.JSON;
      }
    }
    return requestFormat;
  }

  /** Whether a Content-Encoding header asks for zstd; 415 for encodings the server lacks. */
  static boolean zstdEncoded(String contentEncoding) {
    if (contentEncoding == null || contentEncoding.isBlank()) {
      return false;
    }
    String encoding = contentEncoding.trim().toLowerCase(Locale.ROOT);
    if (encoding.equals(WireCodec.ZSTD)) {
      return true;
    }
    if (encoding.equals("identity")) {
      return false;
    }
    throw HttpFailure.unsupportedMediaType(
        "Content-Encoding '"
            + MessageText.abbreviate(contentEncoding)
            + "' is not supported; send zstd or"
            + " nothing");
  }

  /**
   * Parses a body into a message of {@code prototype}'s type.
   *
   * @throws HttpFailure 413 when the decompressed body exceeds {@code maxBytes}
   * @throws ProtocolException when the body is not a valid message of the type
   */
  @SuppressWarnings("unchecked")
  static <T extends Message> T read(
      T prototype, Format format, boolean zstd, byte[] body, int maxBytes) {
    if (zstd) {
      requireZstdAsDeclared(body, format);
    }
    byte[] raw = zstd || format == Format.PROTOBUF ? decompress(body, maxBytes) : body;
    if (format == Format.PROTOBUF) {
      T message =
          WireCodec.parse((com.google.protobuf.Parser<T>) prototype.getParserForType(), raw);
      requireNoUnknownFields(message, message.getDescriptorForType().getName());
      return Packing.unpack(message);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("body is not valid UTF-8 JSON (" + raw.length + " bytes)");
    }
    Message.Builder builder = prototype.newBuilderForType();
    try {
      JSON_PARSER.merge(text, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new ProtocolException(
          "body is not a valid JSON "
              + prototype.getDescriptorForType().getName()
              + " ("
              + raw.length
              + " bytes): "
              + MessageText.withoutClassNames(e.getMessage()));
    } catch (RuntimeException e) {
      // the JSON parser reports some malformed input as unchecked exceptions
      throw new ProtocolException(
          "body is not valid JSON ("
              + raw.length
              + " bytes): "
              + MessageText.withoutClassNames(e.getMessage()));
    }
    return Packing.unpack((T) builder.build());
  }

  /**
   * A JSON body sent with Content-Encoding: zstd that is not zstd (typically plain JSON with a
   * copied header) gets a message about the header rather than a generic "not zstd".
   */
  static void requireZstdAsDeclared(byte[] body, Format format) {
    if (format == Format.JSON && !isZstd(body)) {
      throw new ProtocolException(
          "the request says Content-Encoding: zstd but the JSON body ("
              + body.length
              + " bytes) is not zstd-compressed; send it without Content-Encoding, or compress it"
              + " with zstd");
    }
  }

  private static boolean isZstd(byte[] body) {
    return body.length >= 4
        && (body[0] & 0xFF) == 0x28
        && (body[1] & 0xFF) == 0xB5
        && (body[2] & 0xFF) == 0x2F
        && (body[3] & 0xFF) == 0xFD;
  }

  /** Decompresses a zstd body, refusing one that is not zstd or expands past the limit. */
  static byte[] decompress(byte[] body, int maxBytes) {
    if (!isZstd(body)) {
      throw new ProtocolException(
          "body is not zstd-compressed (" + body.length + " bytes); send Content-Encoding: zstd");
    }
    byte[] sized = WireCodec.decompressSized(body, maxBytes);
    if (sized != null) {
      return sized;
    }
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(body))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, body.length * 4));
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      int read;
      while ((read = in.read(buffer)) != -1) {
        total += read;
        if (total > maxBytes) {
          throw HttpFailure.tooLarge(
              "decompressed body exceeds the limit of " + maxBytes + " bytes");
        }
        out.write(buffer, 0, read);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new ProtocolException(
          "zstd body is truncated or corrupt (" + body.length + " bytes): " + e.getMessage(), e);
    }
  }

  /** Refuses binary messages carrying fields this server does not know, at any depth. */
  static void requireNoUnknownFields(Message message, String path) {
    if (hasUnknownFields(message)) {
      describeUnknownFields(message, path);
    }
  }

  /** A walk that builds no paths and no field maps: pushes carry thousands of nested messages. */
  private static boolean hasUnknownFields(Message message) {
    if (!message.getUnknownFields().isEmpty()) {
      return true;
    }
    List<FieldDescriptor> fields =
        MESSAGE_FIELDS.computeIfAbsent(
            message.getDescriptorForType(),
            type ->
                type.getFields().stream()
                    .filter(field -> field.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
                    .toList());
    for (FieldDescriptor field : fields) {
      if (field.isRepeated()) {
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
          if (hasUnknownFields((Message) message.getRepeatedField(field, i))) {
            return true;
          }
        }
      } else if (message.hasField(field) && hasUnknownFields((Message) message.getField(field))) {
        return true;
      }
    }
    return false;
  }

  /** Throws naming the first unknown fields found and where they are. */
  private static void describeUnknownFields(Message message, String path) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new ProtocolException(
          "unknown field number(s) "
              + message.getUnknownFields().asMap().keySet()
              + " in "
              + path
              + "; the device and server disagree about the protocol");
    }
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.isRepeated()) {
        List<?> items = (List<?>) entry.getValue();
        for (int i = 0; i < items.size(); i++) {
          describeUnknownFields(
              (Message) items.get(i), path + "." + field.getName() + "[" + i + "]");
        }
      } else {
        describeUnknownFields((Message) entry.getValue(), path + "." + field.getName());
      }
    }
  }

  static byte[] write(Message message, Format format) {
    if (format == Format.PROTOBUF) {
      return WireCodec.encode(message);
    }
    try {
      return (JSON_PRINTER.print(message) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getName(), e);
    }
  }

  static String contentType(Format format) {
    return format == Format.PROTOBUF ? WireCodec.PROTOBUF : JSON + "; charset=utf-8";
  }

  private static String mime(String contentType) {
    int semicolon = contentType.indexOf(';');
    String mime = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return mime.trim().toLowerCase(Locale.ROOT);
  }
}
