package io.fieldsync.conflict;

import io.fieldsync.TransportException;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.util.Random;

/**
 * Delivers every push but, at random, sends it twice (the server must answer the second delivery
 * with the recorded outcome) or loses the response after the server committed (the device must
 * resend the same batch). Seeded; switch it off with {@link #faulty}.
 */
final class FlakyTransport implements Transport {
  private final Transport delegate;
  private final Random random;
  boolean faulty = true;
  int duplicated;
  int dropped;

  FlakyTransport(Transport delegate, long seed) {
    this.delegate = delegate;
    this.random = new Random(seed);
  }

  @Override
  public SchemaResponse schema() {
    return delegate.schema();
  }

  @Override
  public PushResponse push(PushRequest request) {
    int roll = faulty ? random.nextInt(4) : 3;
    if (roll == 0) {
      delegate.push(request);
      dropped++;
      throw new TransportException(
          "test: dropped the response to batch " + request.getBatchId() + " after delivery");
    }
    if (roll == 1) {
      delegate.push(request);
      duplicated++;
    }
    return delegate.push(request);
  }

  @Override
  public PullResponse pull(PullRequest request) {
    if (faulty && random.nextInt(6) == 0) {
      delegate.pull(request);
      throw new TransportException("test: dropped a pull response");
    }
    return delegate.pull(request);
  }
}
