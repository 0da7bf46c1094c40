package io.fieldsync.client.transport;

import io.fieldsync.ProtocolException;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;

/**
 * How a device reaches the server: the three calls of the sync protocol ({@code docs/protocol.md}),
 * and optional ones (health, verify, records, the live channel) whose defaults say the transport
 * cannot. {@link HttpTransport} is the real one; tests and the testkit substitute transports that
 * drop, duplicate or delay messages. The message types are the wire protocol's ({@code
 * io.fieldsync.wire}); a transport passes them on unchanged.
 *
 * <p>Implementations must be safe to call from one thread at a time; the client never calls a
 * transport concurrently.
 */
public interface Transport {

  /**
   * {@code GET /v1/schema}: the schema, and who the token says the caller is.
   *
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refuses the request or answers garbage
   */
  SchemaResponse schema();

  /**
   * {@code POST /v1/push}. A transport must send the request as given: a retried batch carries the
   * same batch id and changes, and the server answers it with the recorded outcome.
   *
   * @throws io.fieldsync.TransportException when the outcome is unknown (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refuses the request or answers garbage
   */
  PushResponse push(PushRequest request);

  /**
   * {@code POST /v1/push} of a request already encoded: a transport that speaks the binary wire
   * sends {@link EncodedPush#body()} as it is; the default sends {@link EncodedPush#request()}.
   *
   * @throws io.fieldsync.TransportException when the outcome is unknown (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refuses the request or answers garbage
   */
  default PushResponse push(EncodedPush push) {
    return push(push.request());
  }

  /**
   * {@code POST /v1/pull}.
   *
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refuses the request or answers garbage
   */
  PullResponse pull(PullRequest request);

  /**
   * {@link #pull}, leaving the records in {@code packed} when they came so; read them with {@link
   * io.fieldsync.wire.PulledPage#of(PullResponse)}. The default unpacks them.
   */
  default PullResponse pullPacked(PullRequest request) {
    return pull(request);
  }

  /**
   * Whether every call must be made on the thread that runs the sync cycle: an in-process
   * simulation runs devices and server on one thread, in an order drawn from its seed. The client
   * then fetches no pull page ahead on a thread of its own. Default false.
   */
  default boolean callerThreadOnly() {
    return false;
  }

  /**
   * {@code GET /v1/health}: returns when the server answers. The default asks for the schema.
   *
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   */
  default void health() {
    schema();
  }

  /**
   * {@code POST /v1/verify}: checksums of id ranges (docs/recovery.md).
   *
   * @throws ProtocolException when the transport cannot verify
   */
  default VerifyResponse verify(VerifyRequest request) {
    throw new ProtocolException(getClass().getSimpleName() + " cannot verify");
  }

  /**
   * {@code POST /v1/records}: the server's current state of records by id.
   *
   * @throws ProtocolException when the transport cannot fetch records
   */
  default RecordsResponse records(RecordsRequest request) {
    throw new ProtocolException(getClass().getSimpleName() + " cannot fetch records");
  }

  /**
   * Opens the live channel ({@code GET /v1/live}), waiting until it is open.
   *
   * @return the open channel, or null when this transport has none (the worker then polls)
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   */
  default LiveSocket live(LiveSocket.Listener listener) {
    return null;
  }
}
