package io.fieldsync.wire;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStream;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.fieldsync.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Encodes protocol messages for devices: protobuf, compressed with zstd. Decoding is bounded so a
 * small hostile body cannot expand into an unbounded one.
 */
public final class WireCodec {
  /** The media type of a zstd-compressed protobuf body. */
  public static final String PROTOBUF = "application/x-protobuf";

  public static final String ZSTD = "zstd";
  private static final int LEVEL = 3;

  /**
   * Bodies up to this size (an incremental sync) take the stronger level: about 5% fewer bytes for
   * about a millisecond. Larger ones (snapshot pages, bulk pushes) keep the fast level.
   */
  static final int SMALL_BODY = 64 * 1024;

  private static final int SMALL_LEVEL = 15;

  private WireCodec() {}

  /**
   * Serializes and compresses a message. The 16-byte ids of a packed message go in a zstd frame of
   * their own after the rest: they are random bytes, and in one frame zstd's literal code would
   * spend nearly 8 bits on every other byte too (digits, small numbers). A body of several frames
   * is still one zstd stream (RFC 8878), decoded as the two parts one after the other.
   */
  public static byte[] encode(Message message) {
    Message[] parts = Packing.splitUuids(message);
    if (parts == null) {
      byte[] raw = message.toByteArray();
      return Zstd.compress(raw, level(raw.length));
    }
    byte[] rest = parts[0].toByteArray();
    byte[] ids = parts[1].toByteArray();
    int level = level(rest.length + ids.length);
    byte[] first = Zstd.compress(rest, level);
    byte[] second = Zstd.compress(ids, level);
    byte[] body = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, body, first.length, second.length);
    return body;
  }

  private static int level(int rawBytes) {
    return rawBytes <= SMALL_BODY ? SMALL_LEVEL : LEVEL;
  }

  /**
   * Decompresses and parses a body.
   *
   * @param maxBytes the largest decompressed size accepted
   * @throws ProtocolException when the body is not zstd, too large, or not a valid message
   */
  public static <T extends Message> T decode(Parser<T> parser, byte[] body, int maxBytes) {
    return parse(parser, decompress(body, maxBytes));
  }

  public static <T extends Message> T parse(Parser<T> parser, byte[] raw) {
    try {
      CodedInputStream input = CodedInputStream.newInstance(raw);
      T message = parser.parseFrom(input);
      input.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtocolException(
          "body is not a valid protobuf message (" + raw.length + " bytes): " + e.getMessage(), e);
    }
  }

  public static byte[] decompress(byte[] body, int maxBytes) {
    if (body.length < 4 || !hasZstdMagic(body)) {
      throw new ProtocolException(
          "body is not zstd-compressed (" + body.length + " bytes); send Content-Encoding: zstd");
    }
    byte[] sized = decompressSized(body, maxBytes);
    if (sized != null) {
      return sized;
    }
    try (InputStream in = new ZstdInputStream(new ByteArrayInputStream(body))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, body.length * 4));
      byte[] buffer = new byte[16 * 1024];
      int total = 0;
      int read;
      while ((read = in.read(buffer)) != -1) {
        total += read;
        if (total > maxBytes) {
          throw new ProtocolException(
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

  /**
   * The body decompressed in one call per frame when every frame states its size (as {@link
   * #encode} writes them) and the sizes add up to at most {@code maxBytes}; null for any other
   * body, which the caller decodes as a stream (and refuses with the stream's errors). Creating a
   * streaming context costs more than decoding a small body, and a pull makes at least one.
   */
  public static byte[] decompressSized(byte[] body, int maxBytes) {
    try {
      return decompressFrames(body, maxBytes);
    } catch (ZstdException e) {
      return null;
    }
  }

  private static byte[] decompressFrames(byte[] body, int maxBytes) {
    int frames = 0;
    long total = 0;
    long[] sizes = new long[4];
    for (int at = 0; at < body.length; frames++) {
      if (frames == sizes.length || body.length - at < 4 || !hasZstdMagic(body, at)) {
        return null;
      }
      long frame = Zstd.findFrameCompressedSize(body, at, body.length - at);
      long content = Zstd.getFrameContentSize(body, at, body.length - at);
      if (Zstd.isError(frame) || frame <= 0 || frame > body.length - at || content < 0) {
        return null;
      }
      total += content;
      if (total > maxBytes) {
        return null;
      }
      sizes[frames] = frame;
      at += (int) frame;
    }
    if (frames == 0) {
      return null;
    }
    byte[] raw = new byte[(int) total];
    try (ZstdDecompressCtx context = new ZstdDecompressCtx()) {
      int in = 0;
      int out = 0;
      for (int i = 0; i < frames; i++) {
        int frame = (int) sizes[i];
        out += context.decompressByteArray(raw, out, raw.length - out, body, in, frame);
        in += frame;
      }
      return out == raw.length ? raw : null;
    }
  }

  private static boolean hasZstdMagic(byte[] body, int at) {
    return (body[at] & 0xFF) == 0x28
        && (body[at + 1] & 0xFF) == 0xB5
        && (body[at + 2] & 0xFF) == 0x2F
        && (body[at + 3] & 0xFF) == 0xFD;
  }

  private static boolean hasZstdMagic(byte[] body) {
    return hasZstdMagic(body, 0);
  }
}
