package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of valid push, pull, verify and records bodies, in protobuf (zstd) and JSON,
 * sent to one server over keep-alive HTTP: bit flips, truncations, splices of two bodies, field
 * swaps, huge and negative numbers, deep nesting. No answer is a 5xx, none takes longer than the
 * per-request timeout, every refusal is a JSON error, a refused request changes nothing in the
 * store, and a push the server accepted is one the test itself can decode as a valid request.
 *
 * <p>{@value #CASES_PROPERTY} sets the number of cases (default {@value #DEFAULT_CASES}; the deep
 * run in docs/testing.md uses 1,000,000). A failure names its seed and case number; {@code
 * -Dfieldsync.seed=S -Dfieldsync.fuzz.case=N} replays that one case.
 */
class BodyFuzzTest {
  static final String CASES_PROPERTY = "fieldsync.fuzz.cases";
  static final int DEFAULT_CASES = 20_000;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** A full store comparison around one push in this many; every case counts commits. */
  private static final int FULL_CHECK_EVERY = 50;

  /** Cases generated at a time; those that must commit nothing are sent concurrently. */
  private static final int CHUNK = 32;

  @TempDir Path dir;

  private enum Kind {
    PUSH("/v1/push"),
    PULL("/v1/pull"),
    VERIFY("/v1/verify"),
    RECORDS("/v1/records");

    final String path;

    Kind(String path) {
      this.path = path;
    }
  }

  private record Case(int number, Kind kind, boolean json, String mutation, byte[] body) {}

  @SeededTest
  void mutatedBodiesAreRefusedCleanlyOrAcceptedAsValid(long seed) throws Exception {
    int cases = Integer.getInteger(CASES_PROPERTY, DEFAULT_CASES);
    Integer only = Integer.getInteger("fieldsync.fuzz.case");
    int first = only == null ? 0 : only;
    int end = only == null ? cases : only + 1;
    // Every commit to the file counts here, so the admin console's activity is kept in memory: its
    // periodic saves are commits no fuzzed request made.
    try (TestServer server =
            TestServer.builder(dir).configure(config -> config.activitySaveMillis(0)).start();
        Connection store = server.database().connect()) {
      TestDevice field = server.device("tablet-field");
      for (int n = 1; n <= 5; n++) {
        field.sql(household(uuid(n), n % 2 == 0 ? "north" : "south", "Head " + n));
      }
      field.sync();
      Fuzzing run = new Fuzzing(seed, server, store);
      long started = System.nanoTime();
      long generating = 0;
      for (int chunk = first; chunk < end; chunk += CHUNK) {
        long generated = System.nanoTime();
        List<Case> together = new ArrayList<>();
        List<Case> alone = new ArrayList<>();
        for (int number = chunk; number < Math.min(end, chunk + CHUNK); number++) {
          Case fuzz = mutate(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + number), number);
          // A push the test can decode may be accepted and commit: it goes alone, so any commit
          // is its own. Every other case must commit nothing, so they go together.
          (fuzz.kind() == Kind.PUSH && decodes(fuzz) ? alone : together).add(fuzz);
        }
        generating += System.nanoTime() - generated;
        run.together(together);
        for (Case fuzz : alone) {
          run.alone(fuzz);
        }
      }
      long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
      System.out.printf(
          "BodyFuzzTest seed=%d: %d cases in %d ms (%d ms making them), %d pushes decodable by"
              + " the test; answers %s%n",
          seed,
          end - first,
          millis,
          Duration.ofNanos(generating).toMillis(),
          run.decodablePushes,
          run.outcomes);
      if (only == null) {
        assertThat(run.outcomes.keySet())
            .as("the cases reach both the refusal and the acceptance paths")
            .contains("PUSH 200", "PUSH 400", "PULL 200", "PULL 400");
      }
    }
  }

  /** Sends cases and checks their answers and the store. */
  private static final class Fuzzing {
    private final long seed;
    private final TestServer server;
    private final Connection store;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    final Map<String, Integer> outcomes = new TreeMap<>();
    int decodablePushes;

    Fuzzing(long seed, TestServer server, Connection store) {
      this.seed = seed;
      this.server = server;
      this.store = store;
      this.token = server.token("tablet-fuzz");
    }

    /** Cases that must commit nothing, sent all at once; the store takes no commit meanwhile. */
    void together(List<Case> cases) throws Exception {
      long before = commits(store);
      List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
      for (Case fuzz : cases) {
        answers.add(http.sendAsync(request(fuzz), HttpResponse.BodyHandlers.ofByteArray()));
      }
      for (int i = 0; i < cases.size(); i++) {
        Case fuzz = cases.get(i);
        HttpResponse<byte[]> answer;
        try {
          answer = answers.get(i).get(TIMEOUT.toSeconds() * 3, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new AssertionError("no answer within " + TIMEOUT + ": " + replay(fuzz), e);
        }
        check(fuzz, answer);
        assertThat(fuzz.kind() == Kind.PUSH && answer.statusCode() == 200)
            .as("a push the test cannot decode was accepted: " + replay(fuzz))
            .isFalse();
      }
      long after = commits(store);
      if (after != before) {
        throw new AssertionError(
            "the store took "
                + (after - before)
                + " commits during cases that must change nothing: "
                + cases.stream().map(fuzz -> "case " + fuzz.number()).toList()
                + " of seed "
                + seed
                + "; replay each with -Dfieldsync.seed="
                + seed
                + " -Dfieldsync.fuzz.case=N");
      }
    }

    /** A push the test can decode: it may be accepted; if refused, it changed nothing. */
    void alone(Case fuzz) throws Exception {
      decodablePushes++;
      boolean fullCheck = fuzz.number() % FULL_CHECK_EVERY == 0;
      StoreDump before = fullCheck ? StoreDump.of(server.database()) : null;
      long commitsBefore = commits(store);
      HttpResponse<byte[]> answer;
      try {
        answer = http.send(request(fuzz), HttpResponse.BodyHandlers.ofByteArray());
      } catch (HttpTimeoutException e) {
        throw new AssertionError("no answer within " + TIMEOUT + ": " + replay(fuzz), e);
      }
      check(fuzz, answer);
      if (answer.statusCode() != 200) {
        assertThat(commits(store))
            .as("commits to the store after a refused " + replay(fuzz))
            .isEqualTo(commitsBefore);
        if (fullCheck) {
          assertThat(StoreDump.of(server.database()))
              .as("the store after a refused " + replay(fuzz))
              .isEqualTo(before);
        }
      }
    }

    private HttpRequest request(Case fuzz) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(server.uri().resolve(fuzz.kind().path))
              .timeout(TIMEOUT)
              .header("Authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofByteArray(fuzz.body()));
      if (fuzz.json()) {
        request.header("Content-Type", "application/json");
      } else {
        request.header("Content-Type", WireCodec.PROTOBUF).header("Content-Encoding", "zstd");
      }
      return request.build();
    }

    private void check(Case fuzz, HttpResponse<byte[]> answer) {
      int status = answer.statusCode();
      outcomes.merge(fuzz.kind() + " " + status, 1, Integer::sum);
      assertThat(status).as("status of " + replay(fuzz)).isLessThan(500);
      if (status != 200) {
        String text = new String(answer.body(), StandardCharsets.UTF_8);
        assertThat(answer.headers().firstValue("Content-Type"))
            .as(replay(fuzz))
            .hasValue("application/json; charset=utf-8");
        JsonObject error = JsonParser.parseString(text).getAsJsonObject();
        assertThat(error.keySet())
            .as(text + " for " + replay(fuzz))
            .containsExactly("error", "message");
        assertThat(error.get("message").getAsString())
            .as(replay(fuzz))
            .doesNotContain("Exception", "\tat ");
      }
    }

    private String replay(Case fuzz) {
      return "seed="
          + seed
          + " case="
          + fuzz.number()
          + " ("
          + fuzz.kind()
          + (fuzz.json() ? " json " : " protobuf ")
          + fuzz.mutation()
          + "; replay with -Dfieldsync.seed="
          + seed
          + " -Dfieldsync.fuzz.case="
          + fuzz.number()
          + "), body "
          + preview(fuzz.body());
    }
  }

  /**
   * SQLite's count of commits made by other connections to the database file: it moves with every
   * write the server commits, whatever table it touches.
   */
  private static long commits(Connection store) throws Exception {
    try (Statement sql = store.createStatement();
        ResultSet rows = sql.executeQuery("PRAGMA data_version")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static boolean decodes(Case fuzz) {
    try {
      if (fuzz.json()) {
        PushRequest.Builder push = PushRequest.newBuilder();
        JsonFormat.parser().merge(new String(fuzz.body(), StandardCharsets.UTF_8), push);
      } else {
        WireCodec.decode(PushRequest.parser(), fuzz.body(), 16 << 20);
      }
      return true;
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return false;
    }
  }

  private static String preview(byte[] body) {
    byte[] head = Arrays.copyOf(body, Math.min(body.length, 160));
    return body.length
        + " bytes: "
        + HexFormat.of().formatHex(head)
        + (body.length > head.length ? "…" : "");
  }

  // Valid bodies.

  private static Message valid(SplittableRandom random, Kind kind) {
    return switch (kind) {
      case PUSH -> {
        PushRequest.Builder push =
            PushRequest.newBuilder()
                .setBatchId("fuzz-" + Long.toHexString(random.nextLong()))
                .setTenant(random.nextBoolean() ? TestServer.TENANT : "");
        int changes = 1 + random.nextInt(3);
        for (int i = 0; i < changes; i++) {
          long hlc = (System.currentTimeMillis() << 16) + random.nextInt(1000);
          Change.Builder change =
              Change.newBuilder()
                  .setTable(random.nextBoolean() ? "households" : "visits")
                  .setRecordId(uuid(1 + random.nextInt(8)))
                  .setOp(random.nextBoolean() ? Op.OP_UPDATE : Op.OP_INSERT)
                  .setHlc(hlc);
          if (change.getTable().equals("households")) {
            change
                .addFields(
                    field("region", Values.toWire(random.nextBoolean() ? "north" : "south"), hlc))
                .addFields(field("head_name", Values.toWire("Name " + random.nextInt(100)), hlc))
                .addFields(
                    field("visit_count", Values.toWire((long) random.nextInt(5)), hlc).toBuilder()
                        .setDelta(random.nextInt(5))
                        .build());
          } else {
            change
                .addFields(field("household_id", Values.toWire(uuid(1 + random.nextInt(5))), hlc))
                .addFields(field("visited_at", Values.toWire("2026-12-07T10:00:00Z"), hlc))
                .addFields(field("follow_up", Values.toWire(random.nextBoolean()), hlc));
          }
          push.addChanges(change);
        }
        PushRequest request = push.build();
        yield random.nextBoolean() ? Packing.pack(request) : request;
      }
      case PULL ->
          PullRequest.newBuilder()
              .setCursor(random.nextInt(20))
              .setLimit(random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(100))
              .build();
      case VERIFY -> {
        VerifyRequest.Builder verify = VerifyRequest.newBuilder();
        for (String table : List.of("households", "visits", "measurements")) {
          if (random.nextBoolean()) {
            verify.addRanges(
                IdRange.newBuilder()
                    .setTable(table)
                    .setDepth(random.nextInt(3))
                    .setList(random.nextBoolean()));
          }
        }
        yield verify.build();
      }
      case RECORDS -> {
        RecordsRequest.Builder records =
            RecordsRequest.newBuilder().setTable(random.nextBoolean() ? "households" : "visits");
        int ids = random.nextInt(4);
        for (int i = 0; i < ids; i++) {
          records.addRecordIds(uuid(1 + random.nextInt(8)));
        }
        yield records.build();
      }
    };
  }

  private static FieldChange field(String column, io.fieldsync.wire.Value value, long hlc) {
    return FieldChange.newBuilder().setColumn(column).setValue(value).setHlc(hlc).build();
  }

  // Mutations.

  private static final String[] PROTOBUF_MUTATIONS = {
    "bit flips",
    "truncation",
    "splice",
    "field swap",
    "huge and negative numbers",
    "deep nesting",
    "compressed bytes",
    "unchanged"
  };
  private static final String[] JSON_MUTATIONS = {
    "bit flips",
    "truncation",
    "splice",
    "field swap",
    "huge and negative numbers",
    "deep nesting",
    "wrong types",
    "unchanged"
  };

  private static Case mutate(SplittableRandom random, int number) {
    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
    boolean json = random.nextBoolean();
    Message message = valid(random, kind);
    String[] mutations = json ? JSON_MUTATIONS : PROTOBUF_MUTATIONS;
    String mutation = mutations[random.nextInt(mutations.length)];
    if (json) {
      String text = RawHttp.json(message);
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      byte[] body =
          switch (mutation) {
            case "bit flips" -> flipBits(random, bytes);
            case "truncation" -> Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case "splice" ->
                splice(
                    random,
                    bytes,
                    RawHttp.json(valid(random, Kind.values()[random.nextInt(4)]))
                        .getBytes(StandardCharsets.UTF_8));
            case "deep nesting" -> deepJson(random, text).getBytes(StandardCharsets.UTF_8);
            case "unchanged" -> bytes;
            default ->
                mutateJson(random, JsonParser.parseString(text), mutation)
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
          };
      return new Case(number, kind, true, mutation, body);
    }
    byte[] raw = message.toByteArray();
    byte[] mutated =
        switch (mutation) {
          case "bit flips" -> flipBits(random, raw);
          case "truncation" -> Arrays.copyOf(raw, random.nextInt(Math.max(1, raw.length)));
          case "splice" ->
              splice(random, raw, valid(random, Kind.values()[random.nextInt(4)]).toByteArray());
          case "field swap", "huge and negative numbers" -> mutateProtobuf(random, raw, mutation);
          case "deep nesting" -> deepProtobuf(random, raw);
          default -> raw;
        };
    byte[] body = Zstd.compress(mutated, 3);
    if (mutation.equals("compressed bytes")) {
      body =
          random.nextBoolean()
              ? flipBits(random, body)
              : Arrays.copyOf(body, random.nextInt(body.length));
    }
    return new Case(number, kind, false, mutation, body);
  }

  private static byte[] flipBits(SplittableRandom random, byte[] bytes) {
    byte[] copy = bytes.clone();
    int flips = 1 + random.nextInt(8);
    for (int i = 0; i < flips && copy.length > 0; i++) {
      copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return copy;
  }

  private static byte[] splice(SplittableRandom random, byte[] first, byte[] second) {
    int cut = random.nextInt(first.length + 1);
    int from = random.nextInt(second.length + 1);
    byte[] spliced = Arrays.copyOf(first, cut + second.length - from);
    System.arraycopy(second, from, spliced, cut, second.length - from);
    return spliced;
  }

  private static final long[] HOSTILE_NUMBERS = {
    -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, -(1L << 40)
  };

  private static byte[] mutateProtobuf(SplittableRandom random, byte[] raw, String mutation) {
    try {
      UnknownFieldSet fields = UnknownFieldSet.parseFrom(raw);
      List<Integer> numbers = new ArrayList<>(fields.asMap().keySet());
      if (numbers.isEmpty()) {
        return raw;
      }
      UnknownFieldSet.Builder result = UnknownFieldSet.newBuilder();
      if (mutation.equals("field swap")) {
        // Each field's values go under another field's number.
        List<Integer> shuffled = new ArrayList<>(numbers);
        for (int i = shuffled.size() - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          Integer swap = shuffled.get(i);
          shuffled.set(i, shuffled.get(j));
          shuffled.set(j, swap);
        }
        for (int i = 0; i < numbers.size(); i++) {
          result.addField(shuffled.get(i), fields.getField(numbers.get(i)));
        }
        return result.build().toByteArray();
      }
      for (int number : numbers) {
        UnknownFieldSet.Field field = fields.getField(number);
        UnknownFieldSet.Field.Builder changed = UnknownFieldSet.Field.newBuilder();
        for (long ignored : field.getVarintList()) {
          changed.addVarint(HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]);
        }
        for (long ignored : field.getFixed64List()) {
          changed.addFixed64(HOSTILE_NUMBERS[random.nextInt(HOSTILE_NUMBERS.length)]);
        }
        for (int ignored : field.getFixed32List()) {
          changed.addFixed32(random.nextInt());
        }
        for (ByteString bytes : field.getLengthDelimitedList()) {
          changed.addLengthDelimited(
              random.nextBoolean()
                  ? ByteString.copyFrom(mutateProtobuf(random, bytes.toByteArray(), mutation))
                  : bytes);
        }
        result.addField(number, changed.build());
      }
      // A field number the schema lacks, with a huge value.
      if (random.nextBoolean()) {
        result.addField(
            1 + random.nextInt(536_870_000),
            UnknownFieldSet.Field.newBuilder().addVarint(Long.MIN_VALUE).build());
      }
      return result.build().toByteArray();
    } catch (InvalidProtocolBufferException e) {
      return raw;
    }
  }

  /** The body inside {@code depth} nested length-delimited fields, then as a field of the body. */
  private static byte[] deepProtobuf(SplittableRandom random, byte[] raw) {
    int depth = 50 + random.nextInt(2000);
    int number = 1 + random.nextInt(10);
    ByteString inner = ByteString.copyFrom(raw);
    for (int i = 0; i < depth; i++) {
      inner =
          UnknownFieldSet.newBuilder()
              .addField(
                  number, UnknownFieldSet.Field.newBuilder().addLengthDelimited(inner).build())
              .build()
              .toByteString();
    }
    byte[] nested = inner.toByteArray();
    byte[] result = Arrays.copyOf(raw, raw.length + nested.length);
    System.arraycopy(nested, 0, result, raw.length, nested.length);
    return result;
  }

  private static String deepJson(SplittableRandom random, String text) {
    int depth = 100 + random.nextInt(random.nextInt(20) == 0 ? 100_000 : 2_000);
    boolean arrays = random.nextBoolean();
    String open = arrays ? "[" : "{\"changes\":";
    String close = arrays ? "]" : "}";
    String nested = open.repeat(depth) + "1" + close.repeat(depth);
    int at = text.indexOf(':');
    if (at < 0) {
      return nested;
    }
    // The first field's value becomes the nested value.
    int end = text.indexOf(',', at);
    return text.substring(0, at + 1) + nested + (end < 0 ? "}" : text.substring(end));
  }

  private static JsonElement mutateJson(
      SplittableRandom random, JsonElement root, String mutation) {
    List<JsonObject> objects = new ArrayList<>();
    collect(root, objects);
    if (objects.isEmpty()) {
      return root;
    }
    JsonObject target = objects.get(random.nextInt(objects.size()));
    List<String> keys = new ArrayList<>(target.keySet());
    if (keys.isEmpty()) {
      target.addProperty("changes", -1);
      return root;
    }
    String key = keys.get(random.nextInt(keys.size()));
    switch (mutation) {
      case "field swap" -> {
        String other = keys.get(random.nextInt(keys.size()));
        JsonElement first = target.get(key);
        target.add(key, target.get(other));
        target.add(other, first);
        if (random.nextBoolean()) {
          JsonObject elsewhere = objects.get(random.nextInt(objects.size()));
          elsewhere.add(key, first.deepCopy());
        }
      }
      case "huge and negative numbers" -> {
        String[] numbers = {
          "-1", "9223372036854775808", "-9223372036854775809", "1e308", "-1e308", "1.5",
          "18446744073709551616", "2147483648", "-2147483649", "0x10", "NaN", "Infinity"
        };
        target.add(key, new JsonPrimitive(new java.math.BigDecimal("0")));
        String value = numbers[random.nextInt(numbers.length)];
        target.add(
            key,
            random.nextBoolean()
                ? new JsonPrimitive(value)
                : JsonParser.parseString(value.matches("[-0-9.e]+") ? value : "\"" + value + "\""));
      }
      default -> {
        JsonElement[] wrong = {
          new JsonArray(),
          new JsonObject(),
          new JsonPrimitive(true),
          com.google.gson.JsonNull.INSTANCE,
          new JsonPrimitive("x".repeat(random.nextInt(20) == 0 ? 100_000 : 3)),
          new JsonPrimitive(-7)
        };
        target.add(key, wrong[random.nextInt(wrong.length)]);
      }
    }
    return root;
  }

  private static void collect(JsonElement element, List<JsonObject> into) {
    if (element.isJsonObject()) {
      into.add(element.getAsJsonObject());
      for (Map.Entry<String, JsonElement> entry : element.getAsJsonObject().entrySet()) {
        collect(entry.getValue(), into);
      }
    } else if (element.isJsonArray()) {
      for (JsonElement item : element.getAsJsonArray()) {
        collect(item, into);
      }
    }
  }
}
