package io.fieldsync.multinode;

import io.fieldsync.client.transport.Transport;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SchemaResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Forwards to another transport and keeps what went through: the bytes of every push request sent
 * (answered or not), the sequences each answered push wrote, and the sequences of every record each
 * pull returned, in order.
 */
final class RecordingTransport implements Transport {
  /** One pull: the cursor asked from, the record sequences returned and the next cursor. */
  record Pull(long cursor, List<Long> sequences, long nextCursor) {}

  private final Transport next;
  final List<byte[]> pushes = Collections.synchronizedList(new ArrayList<>());
  final List<Pull> pulls = Collections.synchronizedList(new ArrayList<>());

  RecordingTransport(Transport next) {
    this.next = next;
  }

  @Override
  public SchemaResponse schema() {
    return next.schema();
  }

  /** The sequences of the answered pushes' written ranges (a pull leaves these writes out). */
  final List<Long> written = Collections.synchronizedList(new ArrayList<>());

  @Override
  public PushResponse push(PushRequest request) {
    pushes.add(request.toByteArray());
    PushResponse response = next.push(request);
    if (response.hasWritten()) {
      for (long seq = response.getWritten().getFirst();
          seq <= response.getWritten().getLast();
          seq++) {
        written.add(seq);
      }
    }
    return response;
  }

  @Override
  public PullResponse pull(PullRequest request) {
    PullResponse response = next.pull(request);
    List<Long> sequences = new ArrayList<>();
    for (Record record : response.getRecordsList()) {
      sequences.add(record.getSeq());
    }
    pulls.add(new Pull(request.getCursor(), sequences, response.getNextCursor()));
    return response;
  }
}
