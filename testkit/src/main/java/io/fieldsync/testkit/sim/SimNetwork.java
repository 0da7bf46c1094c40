package io.fieldsync.testkit.sim;

import io.fieldsync.TransportException;
import io.fieldsync.server.http.SyncHandler;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.WireCodec;
import java.util.HashMap;
import java.util.Map;

/**
 * The simulated network between devices and server nodes. Every request is delivered in process to
 * a node (round robin over the nodes, as a load balancer would), or not: lost, delayed past the
 * device's timeout and delivered later, copied for a late redelivery, duplicated; the answer may be
 * lost, or the device may die before it records it. Devices and nodes can be cut off for a while.
 * Every draw comes from the running step's random generator.
 */
final class SimNetwork implements Model.Stamps {
  /** A request as it travels: who sent it and its HTTP parts. */
  record Request(
      int device, String method, String path, Map<String, String> headers, byte[] body) {}

  /** The answer to a request never reaches the device (it times out). */
  private final Simulation simulation;

  private final SimServer server;
  private Faults faults;
  private final long[] deviceCutUntil;
  private final long[] nodeCutUntil;
  private final int[] nextNode;

  /** The first committed delivery of each push batch: the node's wall clock then. */
  private final Map<String, Long> committedAt = new HashMap<>();

  /** Each pushed field's stamp as the server used it: capped when too far ahead. */
  private final Map<String, Model.Commit> stamps = new HashMap<>();

  /** Every committed delete of each record, in commit order. */
  private final Map<String, java.util.List<Model.Deletion>> deletes = new HashMap<>();

  /** Field writes and deletes committed so far: the order of the next one. */
  private long commits;

  /** The sequence range each committed batch wrote, by its first sequence. */
  private final java.util.TreeMap<Long, Long> written = new java.util.TreeMap<>();

  /** Push answers with status 200 that reached each device. */
  private final long[] pushAnswersHeard;

  SimNetwork(Simulation simulation, SimServer server, Faults faults, int devices) {
    this.simulation = simulation;
    this.server = server;
    this.faults = faults;
    this.deviceCutUntil = new long[devices];
    this.nodeCutUntil = new long[server.nodeCount()];
    this.nextNode = new int[devices];
    this.pushAnswersHeard = new long[devices];
  }

  void faults(Faults faults) {
    this.faults = faults;
  }

  /** When a field a device pushed committed, and the stamp the server used; null if never. */
  @Override
  public Model.Commit of(String device, String id, String column, long hlc) {
    return stamps.get(device + "\u0000" + id + "\u0000" + column + "\u0000" + hlc);
  }

  @Override
  public java.util.List<Model.Deletion> deletes(String id) {
    return deletes.getOrDefault(id, java.util.List.of());
  }

  /**
   * Whether {@code base} (a device's cursor) lies inside the sequence range of one committed batch,
   * short of its end: a page ended there, and which of the batch's records it covered is not known
   * from what the network carried.
   */
  boolean insideABatch(long base) {
    Map.Entry<Long, Long> range = written.floorEntry(base);
    return range != null && base < range.getValue();
  }

  /** The network heals: no more faults, no cuts. */
  void heal() {
    faults = Faults.none(deviceCutUntil.length);
    java.util.Arrays.fill(deviceCutUntil, 0);
    java.util.Arrays.fill(nodeCutUntil, 0);
  }

  void cutDevice(int device, long untilMillis) {
    deviceCutUntil[device] = Math.max(deviceCutUntil[device], untilMillis);
  }

  void cutNode(int node, long untilMillis) {
    nodeCutUntil[node] = Math.max(nodeCutUntil[node], untilMillis);
  }

  /** The node wall time at which a push batch first committed, or null when it has not. */
  Long committedAt(String batchId) {
    return committedAt.get(batchId);
  }

  long pushAnswersHeard(int device) {
    return pushAnswersHeard[device];
  }

  SyncHandler.Answer send(Request request) {
    long now = simulation.now();
    String what = request.method() + " " + request.path() + " from device " + request.device();
    if (deviceCutUntil[request.device()] > now) {
      throw new TransportException(what + ": the device is cut off (simulated)");
    }
    int node = nextNode[request.device()]++ % server.nodeCount();
    if (nodeCutUntil[node] > now) {
      throw new TransportException(what + ": node " + node + " is cut off (simulated)");
    }
    if (draw(faults.lostRequest())) {
      throw new TransportException(what + ": request lost (simulated)");
    }
    if (draw(faults.delayed())) {
      simulation.later(simulation.random().nextLong(1_000, 600_000), () -> deliver(node, request));
      throw new TransportException(
          what + ": timed out, the request is still on its way (simulated)");
    }
    if (draw(faults.lateCopy())) {
      simulation.later(simulation.random().nextLong(1_000, 900_000), () -> deliver(node, request));
    }
    SyncHandler.Answer answer = deliver(node, request);
    if (draw(faults.duplicate())) {
      answer = deliver(node, request);
    }
    if (draw(faults.crashOnAnswer())) {
      throw new SimulatedCrash(what + ": the device died before it read the answer");
    }
    if (draw(faults.lostResponse())) {
      throw new TransportException(what + ": response lost (simulated)");
    }
    if (answer.status() == 200 && request.path().equals("/v1/push")) {
      pushAnswersHeard[request.device()]++;
    }
    return answer;
  }

  /** Hands a request to a node now, unless it is cut off; records when a push first committed. */
  private SyncHandler.Answer deliver(int node, Request request) {
    if (nodeCutUntil[node] > simulation.now()) {
      return new SyncHandler.Answer(503, "text/plain", null, new byte[0]);
    }
    SyncHandler.Answer answer =
        server.exchange(node, request.method(), request.path(), request.headers(), request.body());
    if (answer.status() == 200 && request.path().equals("/v1/push")) {
      PushRequest push =
          Packing.unpack(WireCodec.decode(PushRequest.parser(), request.body(), Integer.MAX_VALUE));
      if (committedAt.putIfAbsent(push.getBatchId(), simulation.nodeWall(node)) == null) {
        record(request.device(), push, pushResponse(answer), simulation.nodeWall(node));
      }
    }
    return answer;
  }

  private static PushResponse pushResponse(SyncHandler.Answer answer) {
    return Packing.unpack(
        WireCodec.ZSTD.equalsIgnoreCase(answer.contentEncoding())
            ? WireCodec.decode(PushResponse.parser(), answer.body(), Integer.MAX_VALUE)
            : WireCodec.parse(PushResponse.parser(), answer.body()));
  }

  /**
   * What the first commit of a batch carried: each field's stamp as the server used it, the base
   * the device pushed it with and the sequence range the batch wrote; each delete.
   */
  private void record(int sender, PushRequest push, PushResponse answer, long nodeWall) {
    String device = "d" + sender;
    long first = answer.hasWritten() ? answer.getWritten().getFirst() : 0;
    long last = answer.hasWritten() ? answer.getWritten().getLast() : 0;
    if (answer.hasWritten()) {
      written.put(first, last);
    }
    for (Change change : push.getChangesList()) {
      if (change.getOp() == Op.OP_DELETE) {
        deletes
            .computeIfAbsent(change.getRecordId(), unused -> new java.util.ArrayList<>())
            .add(
                new Model.Deletion(
                    device,
                    new Model.Commit(
                        commits++, change.getHlc(), change.getBaseSeq(), first, last)));
      }
      for (FieldChange field : change.getFieldsList()) {
        long hlc = field.getHlc() != 0 ? field.getHlc() : change.getHlc();
        stamps.put(
            device
                + "\u0000"
                + change.getRecordId()
                + "\u0000"
                + field.getColumn()
                + "\u0000"
                + hlc,
            new Model.Commit(
                commits++, Simulation.cap(hlc, nodeWall), change.getBaseSeq(), first, last));
      }
    }
  }

  private boolean draw(double probability) {
    return probability > 0 && simulation.random().nextDouble() < probability;
  }
}
