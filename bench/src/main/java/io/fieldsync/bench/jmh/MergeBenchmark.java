package io.fieldsync.bench.jmh;

import io.fieldsync.conflict.ConflictStrategy;
import io.fieldsync.conflict.FieldEdit;
import io.fieldsync.conflict.FieldState;
import io.fieldsync.conflict.Verdict;
import io.fieldsync.schema.ConflictRule;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Conflict resolution per field, with the strategies the server and devices share: {@value #FIELDS}
 * concurrent (state, edit) pairs resolved per invocation; scores are per field.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MergeBenchmark {
  static final int FIELDS = 1_000;

  @Param({"lww", "max", "sum", "union"})
  public String rule;

  private ConflictStrategy strategy;
  private FieldState[] states;
  private FieldEdit[] edits;

  @Setup
  public void setUp() {
    strategy = ConflictRule.fromSchemaName(rule).strategy();
    SplittableRandom random = new SplittableRandom(7);
    states = new FieldState[FIELDS];
    edits = new FieldEdit[FIELDS];
    long hlc = 1_740_000_000_000L << 16;
    for (int i = 0; i < FIELDS; i++) {
      long stateHlc = hlc + random.nextInt(1000);
      long editHlc = hlc + random.nextInt(1000);
      switch (rule) {
        case "union" -> {
          states[i] = FieldState.of("[\"water-risk\",\"newborn\"]", stateHlc, "server", 10);
          edits[i] =
              new FieldEdit(
                  "[\"water-risk\",\"elderly\"]",
                  editHlc,
                  "device-" + (i % 7),
                  5,
                  0,
                  List.of("\"elderly\""),
                  List.of("\"newborn\""));
        }
        case "sum" -> {
          states[i] = FieldState.of((long) random.nextInt(100), stateHlc, "server", 10);
          edits[i] = new FieldEdit(5L, editHlc, "device-" + (i % 7), 5, 2, List.of(), List.of());
        }
        default -> {
          states[i] = FieldState.of(random.nextDouble() * 100, stateHlc, "server", 10);
          edits[i] = FieldEdit.of(random.nextDouble() * 100, editHlc, "device-" + (i % 7), 5);
        }
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(FIELDS)
  public void resolve(Blackhole sink) {
    for (int i = 0; i < FIELDS; i++) {
      Verdict verdict = strategy.resolve(states[i], edits[i]);
      sink.consume(verdict);
    }
  }
}
