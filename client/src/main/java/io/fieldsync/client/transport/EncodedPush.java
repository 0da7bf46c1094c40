package io.fieldsync.client.transport;

import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.WireCodec;

/**
 * A push request and its body as the binary wire carries it (the packed form, protobuf, zstd; see
 * {@link WireCodec}). The device encodes a batch once, keeps the body in its database before
 * sending it, and sends those very bytes again when an answer was lost.
 *
 * @param request the request, for the caller to read the answer against
 * @param body the request encoded for {@code POST /v1/push}
 */
public record EncodedPush(PushRequest request, byte[] body) {
  /** The largest decoded body accepted from storage. */
  private static final int MAX_DECODED_BYTES = 256 * 1024 * 1024;

  /** The request and its wire body. */
  public static EncodedPush encode(PushRequest request) {
    return new EncodedPush(request, WireCodec.encode(Packing.pack(request)));
  }

  /**
   * A body {@link #encode} made, with its request read back.
   *
   * @throws io.fieldsync.ProtocolException when the body is not one
   */
  public static EncodedPush decode(byte[] body) {
    PushRequest request =
        Packing.unpack(WireCodec.decode(PushRequest.parser(), body, MAX_DECODED_BYTES));
    return new EncodedPush(request, body);
  }
}
