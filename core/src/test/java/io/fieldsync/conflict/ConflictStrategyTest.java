package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.clock.Hlc;
import io.fieldsync.schema.ConflictRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConflictStrategyTest {
  private static final long EARLY = Hlc.of(1_000, 0);
  private static final long LATE = Hlc.of(2_000, 0);

  /**
   * Server field changed at sequence 10; an edit based on 5 is concurrent, one based on 10 is not.
   */
  private static FieldState server(Object value, long hlc) {
    return FieldState.of(value, hlc, "server-dev", 10);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "lww: later stamp wins",
            ConflictRule.LWW,
            server("a", EARLY),
            FieldEdit.of("b", LATE, "d1", 5),
            take("b")),
        Arguments.of(
            "lww: earlier stamp loses",
            ConflictRule.LWW,
            server("a", LATE),
            FieldEdit.of("b", EARLY, "d1", 5),
            Verdict.KEEP),
        Arguments.of(
            "lww: equal stamps, higher device id wins",
            ConflictRule.LWW,
            server("a", LATE),
            FieldEdit.of("b", LATE, "zz", 5),
            take("b")),
        Arguments.of(
            "lww: a device's later edit replaces its own value whose capped stamp ties or is higher",
            ConflictRule.LWW,
            FieldState.of("a", LATE, "d1", 10),
            FieldEdit.of("b", LATE, "d1", 10),
            take("b")),
        Arguments.of(
            "lww: new field takes the edit",
            ConflictRule.LWW,
            FieldState.ABSENT,
            FieldEdit.of("b", EARLY, "d1", 0),
            take("b")),
        Arguments.of(
            "server_wins: concurrent edit loses even with a later stamp",
            ConflictRule.SERVER_WINS,
            server("a", EARLY),
            FieldEdit.of("b", LATE, "d1", 5),
            Verdict.KEEP),
        Arguments.of(
            "server_wins: edit made after seeing the server value applies",
            ConflictRule.SERVER_WINS,
            server("a", EARLY),
            FieldEdit.of("b", LATE, "d1", 10),
            take("b")),
        Arguments.of(
            "sum: increment adds to the server total",
            ConflictRule.SUM,
            server(7L, LATE),
            new FieldEdit(8L, EARLY, "d1", 5, 1, List.of(), List.of()),
            take(8L)),
        Arguments.of(
            "sum: new counter starts from zero",
            ConflictRule.SUM,
            FieldState.ABSENT,
            new FieldEdit(3L, EARLY, "d1", 0, 3, List.of(), List.of()),
            take(3L)),
        Arguments.of(
            "sum: a new record's empty counter stays empty",
            ConflictRule.SUM,
            FieldState.ABSENT,
            FieldEdit.of(null, EARLY, "d1", 0),
            take(null)),
        Arguments.of(
            "sum: a zero increment keeps the total",
            ConflictRule.SUM,
            server(7L, LATE),
            FieldEdit.of(7L, EARLY, "d1", 5),
            Verdict.KEEP),
        Arguments.of(
            "max: larger value wins regardless of stamps",
            ConflictRule.MAX,
            server(38.5, LATE),
            FieldEdit.of(39.1, EARLY, "d1", 5),
            take(39.1)),
        Arguments.of(
            "max: smaller value loses",
            ConflictRule.MAX,
            server(38.5, EARLY),
            FieldEdit.of(37.0, LATE, "d1", 5),
            Verdict.KEEP),
        Arguments.of(
            "min: smaller value wins",
            ConflictRule.MIN,
            server(5L, LATE),
            FieldEdit.of(3L, EARLY, "d1", 5),
            take(3L)),
        Arguments.of(
            "union: concurrent adds both survive",
            ConflictRule.UNION,
            server("[\"ana\",\"ben\"]", LATE),
            new FieldEdit("[\"ana\",\"cai\"]", EARLY, "d1", 5, 0, List.of("\"cai\""), List.of()),
            take("[\"ana\",\"ben\",\"cai\"]")),
        Arguments.of(
            "union: removal removes only what the remover had seen",
            ConflictRule.UNION,
            server("[\"ana\",\"ben\"]", LATE),
            new FieldEdit("[]", EARLY, "d1", 5, 0, List.of(), List.of("\"ana\"")),
            take("[\"ben\"]")),
        Arguments.of(
            "union: a new record's empty set stays empty",
            ConflictRule.UNION,
            FieldState.ABSENT,
            FieldEdit.of(null, EARLY, "d1", 0),
            take(null)),
        Arguments.of(
            "manual: concurrent different value goes to review",
            ConflictRule.MANUAL,
            server("roof leaks", EARLY),
            FieldEdit.of("roof fixed", LATE, "d1", 5),
            new Verdict.Review("concurrent edit of a manual column")),
        Arguments.of(
            "manual: edit made after seeing the server value applies",
            ConflictRule.MANUAL,
            server("roof leaks", EARLY),
            FieldEdit.of("roof fixed", LATE, "d1", 10),
            take("roof fixed")),
        Arguments.of(
            "manual: concurrent identical value is no conflict",
            ConflictRule.MANUAL,
            server("same", EARLY),
            FieldEdit.of("same", LATE, "d1", 5),
            take("same")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void strategyDecidesAsSpecified(
      String description, ConflictRule rule, FieldState current, FieldEdit edit, Verdict expected) {
    assertThat(rule.strategy().resolve(current, edit)).isEqualTo(expected);
  }

  private static Verdict take(Object value) {
    return Verdict.take(value);
  }
}
