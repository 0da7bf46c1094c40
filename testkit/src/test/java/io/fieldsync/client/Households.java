package io.fieldsync.client;

import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;

/**
 * The schema of the client scenarios (a column of every conflict rule the device consolidates) and
 * the device under test: {@value #DEVICE}, over a recording {@link FaultyTransport} to node 0.
 */
public final class Households {
  public static final String H1 = "0190c6a2-0000-7000-8000-000000000001";
  public static final String H2 = "0190c6a2-0000-7000-8000-000000000002";
  public static final String H3 = "0190c6a2-0000-7000-8000-000000000003";
  public static final String V1 = "0190c6a2-0000-7000-8000-0000000000a1";
  public static final String DEVICE = "device-1";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneOffset.UTC);

  public static final String SCHEMA_YAML =
      """
      version: 1
      tables:
        households:
          columns:
            id:        { type: uuid, primary_key: true }
            region:    { type: text, required: true }
            head_name: { type: text }
            visits:    { type: integer, conflict: sum }
            tags:      { type: json, conflict: union }
            score:     { type: real }
            active:    { type: boolean }
            notes:     { type: text, conflict: manual }
        visits:
          columns:
            id:           { type: uuid, primary_key: true }
            household_id: { type: uuid, references: households }
            temperature:  { type: real, conflict: max }
      """;

  private Households() {}

  /** A household id numbered {@code n}. */
  static String household(int n) {
    return String.format("0190c6a2-0000-7000-8000-%012d", 100 + n);
  }

  /** A transport to node 0 as {@value #DEVICE}, recording every call. */
  public static FaultyTransport network(TestServer server) {
    return new FaultyTransport(server.http(0, server.token(DEVICE)));
  }

  /** The builder settings of the device under test: its transport, a fixed clock, seed 42. */
  public static UnaryOperator<FieldSyncClient.Builder> over(FaultyTransport network) {
    return builder -> builder.transport(network).clock(CLOCK).seed(42);
  }

  /** {@value #DEVICE} initialized against the server over {@code network}. */
  public static TestDevice device(TestServer server, FaultyTransport network) {
    return server.device(DEVICE, over(network));
  }
}
