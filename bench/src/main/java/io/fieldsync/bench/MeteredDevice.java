package io.fieldsync.bench;

import io.fieldsync.client.FieldSyncClient;

/** A device database whose requests go through the byte meter and a request counter. */
record MeteredDevice(String name, FieldSyncClient client, CountingTransport transport)
    implements AutoCloseable {
  @Override
  public void close() {
    client.close();
  }
}
