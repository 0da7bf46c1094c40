package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.client.transport.LiveSocket;
import io.fieldsync.server.TokenService;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.IdRange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.VerifyRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint the server serves against every kind of caller, over real HTTP: each answer has
 * the status this test expects for the pair and a JSON error body when refused, and a refused
 * request leaves the store's rows exactly as they were. The endpoints are listed here and checked
 * against the server's own list (its 404 answer) and the router's source, so an endpoint added
 * without a row here fails {@link #everyEndpointTheServerServesHasARow}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
  private static final String OTHER_TENANT = "other-district";
  private static final String DEVICE = "tablet-field";

  private TestServer server;
  private RawHttp http;
  private byte[] secret;
  private final String northern = uuid(1);
  private long reviewItem;
  private final AtomicInteger batches = new AtomicInteger();

  /** The endpoints, as the server's 404 answer names them; {@code {id}} is a review item id. */
  enum Endpoint {
    HEALTH("GET", "/v1/health", Access.PUBLIC),
    READY("GET", "/v1/ready", Access.PUBLIC),
    METRICS("GET", "/metrics", Access.PUBLIC),
    SCHEMA("GET", "/v1/schema", Access.DEVICE),
    PUSH("POST", "/v1/push", Access.DEVICE),
    PULL("POST", "/v1/pull", Access.DEVICE),
    LIVE("GET", "/v1/live", Access.DEVICE),
    VERIFY("POST", "/v1/verify", Access.DEVICE),
    RECORDS("POST", "/v1/records", Access.DEVICE),
    REVIEW_LIST("GET", "/v1/review", Access.ADMIN),
    REVIEW_RESOLVE("POST", "/v1/review/{id}/resolve", Access.ADMIN),
    ADMIN_DEVICES("GET", "/v1/admin/devices", Access.ADMIN),
    ADMIN_OVERVIEW("GET", "/v1/admin/overview", Access.ADMIN),
    ADMIN_HISTORY("GET", "/v1/admin/records/{table}/{id}/history", Access.ADMIN),
    CONSOLE("GET", "/admin", Access.PUBLIC),
    // Last: revoking the device refuses its later tokens, in the other tenant too.
    REVOKE("POST", "/v1/admin/revoke", Access.ADMIN);

    final String method;
    final String path;
    final Access access;

    Endpoint(String method, String path, Access access) {
      this.method = method;
      this.path = path;
      this.access = access;
    }
  }

  enum Access {
    PUBLIC,
    DEVICE,
    ADMIN
  }

  enum Caller {
    VALID,
    NO_TOKEN,
    MALFORMED,
    ALG_NONE,
    OTHER_ALGORITHM,
    WRONG_KEY,
    EXPIRED,
    NOT_YET_VALID,
    REVOKED,
    OTHER_TENANT,
    OTHER_TENANT_ADMIN,
    OUT_OF_SCOPE,
    NON_ADMIN
  }

  /** What the test expects of one pair: the status, the error code and a part of the message. */
  private record Expected(int status, String error, String message, Effect effect) {
    static Expected ok(Effect effect) {
      return new Expected(200, null, null, effect);
    }

    static Expected refused(int status, String error, String message) {
      return new Expected(status, error, message, Effect.NONE);
    }
  }

  /** What an answered request may change: nothing, or only the caller's own tenant's rows. */
  private enum Effect {
    NONE,
    OWN_TENANT_ONLY,
    ANY
  }

  @BeforeAll
  void startServerWithARowAndAParkedEdit(@TempDir Path dir) throws Exception {
    server = TestServer.builder(dir).start();
    http = server.raw();
    secret = TokenService.loadOrCreateSecret(server.secretFile());
    TestDevice field = server.device(DEVICE);
    TestDevice office = server.device("laptop-office");
    field.sql(household(northern, "north", "Fatou"));
    field.sync();
    office.sync();
    field.sql("UPDATE households SET notes = 'from the field' WHERE id = '" + northern + "'");
    office.sql("UPDATE households SET notes = 'from the office' WHERE id = '" + northern + "'");
    field.sync();
    office.sync();
    reviewItem = server.review().onlyItem().get("id").getAsLong();
    HttpResponse<String> revoked =
        http.postJson(
            "/v1/admin/revoke",
            server.adminToken(TestServer.TENANT),
            "{\"device\":\"tablet-gone\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  Stream<Arguments> pairs() {
    List<Arguments> pairs = new ArrayList<>();
    for (Endpoint endpoint : Endpoint.values()) {
      for (Caller caller : Caller.values()) {
        // The valid caller last: its answer may change the store (a push, a resolution).
        if (caller != Caller.VALID) {
          pairs.add(Arguments.of(endpoint, caller));
        }
      }
    }
    for (Endpoint endpoint : Endpoint.values()) {
      pairs.add(Arguments.of(endpoint, Caller.VALID));
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} by {1}")
  @MethodSource("pairs")
  void eachCallerGetsTheExpectedAnswerAndARefusalChangesNothing(Endpoint endpoint, Caller caller)
      throws Exception {
    Expected expected = expected(endpoint, caller);
    String token = token(endpoint, caller);
    StoreDump before = StoreDump.of(server.database());
    String batch = "matrix-" + batches.incrementAndGet();

    HttpResponse<String> answer = http.send(request(endpoint, token, batch));

    String what = endpoint + " by " + caller + ": " + answer.body();
    assertThat(answer.statusCode()).as(what).isEqualTo(expected.status());
    if (endpoint == Endpoint.METRICS) {
      // The Prometheus text format, the same for every caller; MetricsEndpointTest reads it.
      assertThat(answer.headers().firstValue("Content-Type"))
          .as(what)
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
      assertThat(answer.body()).as(what).contains("fieldsync_");
      assertThat(StoreDump.of(server.database())).as("the store after " + what).isEqualTo(before);
      return;
    }
    if (endpoint == Endpoint.CONSOLE) {
      // The console's page is public and holds no data: it reads /v1/admin/* with a token.
      assertThat(answer.headers().firstValue("Content-Type"))
          .as(what)
          .hasValue("text/html; charset=utf-8");
      assertThat(answer.headers().firstValue("Content-Security-Policy"))
          .as(what)
          .hasValueSatisfying(policy -> assertThat(policy).contains("default-src 'none'"));
      assertThat(answer.body()).as(what).contains("fieldsync admin").doesNotContain(northern);
      assertThat(StoreDump.of(server.database())).as("the store after " + what).isEqualTo(before);
      return;
    }
    assertThat(answer.headers().firstValue("Content-Type"))
        .as(what)
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonObject body = JsonParser.parseString(answer.body()).getAsJsonObject();
    if (expected.error() != null) {
      assertThat(body.keySet()).as(what).containsExactly("error", "message");
      assertThat(body.get("error").getAsString()).as(what).isEqualTo(expected.error());
      assertThat(body.get("message").getAsString())
          .as(what)
          .contains(expected.message())
          .doesNotContain("Exception", "\tat ");
    } else {
      assertThat(body.has("error")).as(what).isFalse();
      checkAnswer(endpoint, caller, body, what);
    }

    StoreDump after = StoreDump.of(server.database());
    if (endpoint == Endpoint.PUSH && expected.status() == 200 && expected.effect() != Effect.ANY) {
      // A push whose changes were all rejected still keeps its outcome, so a retry of the batch
      // gets the same answer: rows of that batch in the caller's own tenant, and nothing else.
      String row = "batch_id=" + batch + " ";
      assertThat(after.count(row)).as("batch rows after " + what).isPositive();
      assertThat(after.byTenant().get(tenantOf(caller)).lines().filter(line -> line.contains(row)))
          .as("batch rows of the caller's tenant after " + what)
          .hasSize((int) after.count(row));
      after = after.without(row);
    }
    switch (expected.effect()) {
      case NONE -> assertThat(after).as("the store after " + what).isEqualTo(before);
      case OWN_TENANT_ONLY -> {
        assertThat(after.tenant(TestServer.TENANT))
            .as("tenant acme's rows after " + what)
            .isEqualTo(before.tenant(TestServer.TENANT));
        assertThat(after.tenant("*"))
            .as("untenanted rows after " + what)
            .isEqualTo(before.tenant("*"));
      }
      case ANY -> {}
    }
  }

  /** The answers that are not errors carry what the caller may see, and nothing else. */
  private void checkAnswer(Endpoint endpoint, Caller caller, JsonObject body, String what)
      throws Exception {
    boolean acme = caller == Caller.VALID || caller == Caller.NON_ADMIN;
    switch (endpoint) {
      case PUSH -> {
        long rejected = body.has("rejected") ? body.get("rejected").getAsLong() : 0;
        long applied = body.has("applied") ? body.get("applied").getAsLong() : 0;
        assertThat(rejected).as(what).isEqualTo(acme ? 0 : 1);
        assertThat(applied).as(what).isEqualTo(acme ? 1 : 0);
      }
      case PULL -> assertThat(body.toString().contains("\"north\"")).as(what).isEqualTo(acme);
      case RECORDS -> {
        assertThat(body.getAsJsonArray("records")).as(what).hasSize(1);
        JsonObject record = body.getAsJsonArray("records").get(0).getAsJsonObject();
        assertThat(record.has("absent") && record.get("absent").getAsBoolean())
            .as("the record is hidden from " + what)
            .isEqualTo(!acme);
      }
      case SCHEMA ->
          assertThat(body.get("tenant").getAsString())
              .as(what)
              .isEqualTo(
                  caller == Caller.OTHER_TENANT || caller == Caller.OTHER_TENANT_ADMIN
                      ? OTHER_TENANT
                      : TestServer.TENANT);
      case REVOKE -> {
        assertThat(body.get("tenant").getAsString()).as(what).isEqualTo(tenantOf(caller));
        assertThat(body.get("device").getAsString()).as(what).isEqualTo(DEVICE);
      }
      case REVIEW_RESOLVE ->
          assertThat(server.review().items()).as("the open items after " + what).isEmpty();
      case REVIEW_LIST ->
          assertThat(body.getAsJsonArray("items").size())
              .as(what)
              .isEqualTo(caller == Caller.VALID ? 1 : 0);
      case ADMIN_DEVICES ->
          assertThat(body.getAsJsonArray("devices").toString().contains("\"laptop-office\""))
              .as("acme's devices are listed to acme's admin only: " + what)
              .isEqualTo(caller == Caller.VALID);
      case ADMIN_OVERVIEW ->
          assertThat(body.get("sequence").getAsLong())
              .as(what)
              .isEqualTo(server.sequence(tenantOf(caller)));
      case ADMIN_HISTORY ->
          // The other tenant may hold a record of the same id (its own pushes): never acme's.
          assertThat(body.toString().contains("Fatou"))
              .as("acme's record history is shown to acme's admin only: " + what)
              .isEqualTo(caller == Caller.VALID);
      default -> {}
    }
  }

  private Expected expected(Endpoint endpoint, Caller caller) {
    if (endpoint.access == Access.PUBLIC) {
      return Expected.ok(Effect.NONE);
    }
    String unauthorized =
        switch (caller) {
          case NO_TOKEN -> "missing bearer token";
          case MALFORMED -> "token is malformed";
          case ALG_NONE, OTHER_ALGORITHM, WRONG_KEY -> "token signature is invalid";
          case EXPIRED -> "token expired at";
          case NOT_YET_VALID -> "can't be used before";
          case REVOKED -> "were revoked; get a new token";
          default -> null;
        };
    if (unauthorized != null) {
      return Expected.refused(401, "unauthorized", unauthorized);
    }
    boolean admin =
        caller == Caller.OTHER_TENANT_ADMIN
            || (caller == Caller.VALID && endpoint.access == Access.ADMIN);
    if (endpoint.access == Access.ADMIN && !admin) {
      return Expected.refused(403, "forbidden", "needs a token with role 'admin'");
    }
    return switch (endpoint) {
      case LIVE -> Expected.refused(400, "bad_request", "is a WebSocket endpoint");
      case SCHEMA,
          PULL,
          VERIFY,
          RECORDS,
          REVIEW_LIST,
          ADMIN_DEVICES,
          ADMIN_OVERVIEW,
          ADMIN_HISTORY ->
          Expected.ok(Effect.NONE);
      case PUSH ->
          Expected.ok(
              caller == Caller.VALID || caller == Caller.NON_ADMIN
                  ? Effect.ANY
                  : caller == Caller.OUT_OF_SCOPE ? Effect.NONE : Effect.OWN_TENANT_ONLY);
      case REVIEW_RESOLVE ->
          caller == Caller.VALID
              ? Expected.ok(Effect.ANY)
              : Expected.refused(404, "not_found", "review item " + reviewItem + " not found");
      case REVOKE -> Expected.ok(caller == Caller.VALID ? Effect.ANY : Effect.OWN_TENANT_ONLY);
      case HEALTH, READY, METRICS, CONSOLE -> Expected.ok(Effect.NONE);
    };
  }

  private String token(Endpoint endpoint, Caller caller) {
    Instant now = Instant.now();
    return switch (caller) {
      case VALID ->
          endpoint.access == Access.ADMIN
              ? server.adminToken(TestServer.TENANT)
              : server.token(DEVICE);
      case NON_ADMIN -> server.token(DEVICE);
      case NO_TOKEN -> null;
      case MALFORMED -> "not.a-jwt";
      case ALG_NONE -> claims(TestServer.TENANT, DEVICE, "admin", now).sign(Algorithm.none());
      case OTHER_ALGORITHM ->
          claims(TestServer.TENANT, DEVICE, "admin", now).sign(Algorithm.HMAC512(secret));
      case WRONG_KEY ->
          claims(TestServer.TENANT, DEVICE, "admin", now)
              .sign(
                  Algorithm.HMAC256(
                      "not-the-server-secret-not-the-xx".getBytes(StandardCharsets.US_ASCII)));
      case EXPIRED ->
          new TokenService(secret, () -> now.minus(Duration.ofDays(2)).toEpochMilli())
              .mint(TestServer.TENANT, DEVICE, null, "admin", List.of(), Duration.ofHours(1));
      case NOT_YET_VALID ->
          claims(TestServer.TENANT, DEVICE, "admin", now)
              .withNotBefore(now.plus(Duration.ofHours(1)))
              .sign(Algorithm.HMAC256(secret));
      case REVOKED ->
          new TokenService(secret, () -> now.minus(Duration.ofHours(1)).toEpochMilli())
              .mint(TestServer.TENANT, "tablet-gone", null, "admin", List.of(), Duration.ofDays(1));
      case OTHER_TENANT -> server.token(OTHER_TENANT, DEVICE);
      case OTHER_TENANT_ADMIN -> server.adminToken(OTHER_TENANT);
      case OUT_OF_SCOPE -> server.scopedToken("tablet-south", List.of("region:south"));
    };
  }

  /** A token of this server's shape, before its signature: issuer, tenant, device, role, times. */
  private static com.auth0.jwt.JWTCreator.Builder claims(
      String tenant, String device, String role, Instant now) {
    return JWT.create()
        .withIssuer("fieldsync")
        .withClaim("tid", tenant)
        .withClaim("did", device)
        .withClaim("role", role)
        .withClaim("scopes", List.of())
        .withIssuedAt(now.minusSeconds(60))
        .withExpiresAt(now.plus(Duration.ofDays(1)));
  }

  private static String tenantOf(Caller caller) {
    return caller == Caller.OTHER_TENANT || caller == Caller.OTHER_TENANT_ADMIN
        ? OTHER_TENANT
        : TestServer.TENANT;
  }

  private HttpRequest.Builder request(Endpoint endpoint, String token, String batch) {
    return switch (endpoint) {
      case HEALTH,
          READY,
          METRICS,
          SCHEMA,
          LIVE,
          REVIEW_LIST,
          ADMIN_DEVICES,
          ADMIN_OVERVIEW,
          CONSOLE ->
          http.request(endpoint.path, token).GET();
      case ADMIN_HISTORY ->
          http.request("/v1/admin/records/households/" + northern + "/history", token).GET();
      case PUSH -> json(endpoint.path, token, RawHttp.json(push(batch)));
      case PULL -> json(endpoint.path, token, "{\"cursor\":\"0\"}");
      case VERIFY ->
          json(
              endpoint.path,
              token,
              RawHttp.json(
                  VerifyRequest.newBuilder()
                      .addRanges(IdRange.newBuilder().setTable("households").setList(true))
                      .build()));
      case RECORDS ->
          json(
              endpoint.path,
              token,
              RawHttp.json(
                  RecordsRequest.newBuilder()
                      .setTable("households")
                      .addRecordIds(northern)
                      .build()));
      case REVIEW_RESOLVE ->
          json("/v1/review/" + reviewItem + "/resolve", token, "{\"action\":\"keep_server\"}");
      case REVOKE -> json(endpoint.path, token, "{\"device\":\"" + DEVICE + "\"}");
    };
  }

  private HttpRequest.Builder json(String path, String token, String body) {
    return http.request(path, token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** An edit of the northern household's head, in a batch of its own. */
  private PushRequest push(String batch) {
    long hlc = System.currentTimeMillis() << 16;
    return PushRequest.newBuilder()
        .setBatchId(batch)
        .setTenant(TestServer.TENANT)
        .addChanges(
            Change.newBuilder()
                .setTable("households")
                .setRecordId(northern)
                .setOp(Op.OP_UPDATE)
                .setHlc(hlc)
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("head_name")
                        .setValue(Values.toWire("Awa"))
                        .setHlc(hlc)))
        .build();
  }

  @Test
  void everyEndpointTheServerServesHasARow() throws Exception {
    Set<String> rows = new TreeSet<>();
    for (Endpoint endpoint : Endpoint.values()) {
      rows.add(endpoint.method + " " + endpoint.path);
    }
    HttpResponse<String> notFound = http.get("/v1/no-such-endpoint", server.token(DEVICE));
    assertThat(notFound.statusCode()).isEqualTo(404);
    Set<String> named = new TreeSet<>();
    Matcher listed =
        Pattern.compile("(GET|POST|PUT|DELETE|PATCH) (/[A-Za-z0-9/{}_-]+)")
            .matcher(notFound.body());
    while (listed.find()) {
      named.add(listed.group(1) + " " + listed.group(2));
    }
    assertThat(named).as("the endpoints the server's 404 answer names").isEqualTo(rows);

    Path router = RepositoryFiles.find("server/src/main/java/io/fieldsync/server/http/Router.java");
    Set<String> routed = new TreeSet<>();
    Matcher cases = Pattern.compile("\"(/[A-Za-z0-9/_-]+)\"").matcher(Files.readString(router));
    while (cases.find()) {
      routed.add(cases.group(1));
    }
    Set<String> paths = new TreeSet<>();
    for (Endpoint endpoint : Endpoint.values()) {
      String path = endpoint.path;
      if (path.contains("{")) {
        // Router matches such a path by its two ends.
        paths.add(path.substring(0, path.indexOf('{')));
        paths.add(path.substring(path.lastIndexOf('}') + 1));
      } else {
        paths.add(path);
      }
    }
    assertThat(paths).as("the paths Router.java routes").containsAll(routed);
  }

  /**
   * The bug this guards: revocation refused every new request of the device but left its open live
   * socket open, so it kept hearing its tenant's commits.
   */
  @Test
  void aRevokedDevicesOpenLiveChannelClosesWithinTwoSeconds() throws Exception {
    String device = "tablet-live";
    CompletableFuture<Long> firstPoke = new CompletableFuture<>();
    CompletableFuture<String> closed = new CompletableFuture<>();
    LiveSocket socket =
        server
            .http(0, server.token(device))
            .live(
                new LiveSocket.Listener() {
                  @Override
                  public void poked(long sequence) {
                    firstPoke.complete(sequence);
                  }

                  @Override
                  public void closed(String reason) {
                    closed.complete(reason);
                  }
                });
    try {
      firstPoke.get(5, TimeUnit.SECONDS);
      assertThat(socket.isOpen()).isTrue();
      HttpResponse<String> revoked =
          http.postJson(
              "/v1/admin/revoke",
              server.adminToken(TestServer.TENANT),
              "{\"device\":\"" + device + "\"}");
      assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
      long start = System.nanoTime();
      String reason = closed.get(2, TimeUnit.SECONDS);
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
      assertThat(reason).contains("were revoked");
      assertThat(socket.isOpen()).isFalse();
    } finally {
      socket.close();
    }
  }
}
