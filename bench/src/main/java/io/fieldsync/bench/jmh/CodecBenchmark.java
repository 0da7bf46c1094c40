package io.fieldsync.bench.jmh;

import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.WireCodec;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The wire codec per change: a push batch of {@value #CHANGES} field-survey measurement inserts
 * (seven fields each) encoded to, and decoded from, zstd-compressed protobuf. Scores are per
 * change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
  static final int CHANGES = 500;

  private PushRequest request;
  private byte[] encoded;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    PushRequest.Builder builder =
        PushRequest.newBuilder().setBatchId(new UUID(1, 2).toString()).setSchemaVersion(1);
    long hlc = 1_740_000_000_000L << 16;
    for (int i = 0; i < CHANGES; i++) {
      Change.Builder change =
          Change.newBuilder()
              .setTable("measurements")
              .setRecordId(new UUID(random.nextLong(), random.nextLong()).toString())
              .setOp(Op.OP_INSERT)
              .setHlc(hlc + i);
      field(change, "visit_id", new UUID(random.nextLong(), random.nextLong()).toString(), hlc);
      field(change, "kind", "temperature", hlc);
      double value = Math.round(random.nextDouble() * 400) / 10.0;
      field(change, "value", value, hlc);
      field(change, "max_value", value, hlc);
      field(change, "unit", "C", hlc);
      field(change, "taken_at", "2025-03-01T06:0" + (i % 10) + ":00Z", hlc);
      builder.addChanges(change);
    }
    request = builder.build();
    encoded = WireCodec.encode(request);
  }

  private static void field(Change.Builder change, String column, Object value, long hlc) {
    change.addFields(
        FieldChange.newBuilder().setColumn(column).setValue(Values.toWire(value)).setHlc(hlc));
  }

  @Benchmark
  @OperationsPerInvocation(CHANGES)
  public byte[] encode() {
    return WireCodec.encode(request);
  }

  @Benchmark
  @OperationsPerInvocation(CHANGES)
  public PushRequest decode() {
    return WireCodec.decode(PushRequest.parser(), encoded, 64 * 1024 * 1024);
  }
}
