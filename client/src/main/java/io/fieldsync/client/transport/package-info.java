/**
 * How a device reaches the server: a service-provider interface ({@link
 * io.fieldsync.client.transport.Transport}) with the HTTP implementation ({@link
 * io.fieldsync.client.transport.HttpTransport}), several nodes as one ({@link
 * io.fieldsync.client.transport.FailoverTransport}) and the live channel ({@link
 * io.fieldsync.client.transport.LiveSocket}).
 *
 * <p>Applications normally never touch this package: {@link io.fieldsync.client.FieldSyncClient}
 * makes an HTTP transport from the server URL and token. Tests and tools implement {@code
 * Transport} to drop, duplicate, delay or count messages, and pass it to {@link
 * io.fieldsync.client.FieldSyncClient.Builder#transport}.
 *
 * <p>The messages a transport carries ({@code PushRequest}, {@code PullResponse}, … in {@code
 * io.fieldsync.wire}) are the wire protocol's own types, generated from {@code fieldsync.proto}
 * (see docs/protocol.md): a transport must pass them on unchanged.
 *
 * <p>Thread-safety: the client calls a transport from one thread at a time (the page-ahead of a
 * pull runs on another thread, but never while the client's own thread is in a call), so an
 * implementation needs no locking of its own; {@code HttpTransport} is thread-safe anyway. A {@code
 * LiveSocket.Listener} is called on the transport's threads.
 */
package io.fieldsync.client.transport;
