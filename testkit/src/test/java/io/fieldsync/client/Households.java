package io.fieldsync.client;

import io.fieldsync.client.internal.state.DeviceFixture;
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
  public static final String H1 = DeviceFixture.H1;
  public static final String H2 = DeviceFixture.H2;
  public static final String H3 = "0190c6a2-0000-7000-8000-000000000003";
  public static final String V1 = DeviceFixture.V1;
  public static final String DEVICE = DeviceFixture.DEVICE;
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneOffset.UTC);

  /** The client fixture's schema: households and visits, a conflict rule of each kind. */
  public static final String SCHEMA_YAML = DeviceFixture.SCHEMA_YAML;

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
