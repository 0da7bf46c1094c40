package io.fieldsync.client;

import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;

/**
 * How a device reaches the server: the three calls of the sync protocol ({@code docs/protocol.md}).
 * {@link HttpTransport} is the real one; tests and the testkit substitute transports that drop,
 * duplicate or delay messages.
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
   * {@code POST /v1/pull}.
   *
   * @throws io.fieldsync.TransportException when the server cannot be reached (retriable)
   * @throws io.fieldsync.AuthException when the token is refused
   * @throws io.fieldsync.ProtocolException when the server refuses the request or answers garbage
   */
  PullResponse pull(PullRequest request);
}
