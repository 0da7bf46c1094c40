package io.fieldsync.testkit.sim;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.TransportException;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.server.http.SyncHandler;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import io.fieldsync.wire.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A device's transport in the simulation: encodes each call as {@code HttpTransport} does (zstd
 * protobuf, a bearer token), hands it to the {@link SimNetwork}, which may lose, delay, duplicate
 * or deliver it to a server node in process, and decodes the answer the way {@code HttpTransport}
 * does, statuses included. Calls run on the simulation's one thread ({@link #callerThreadOnly}).
 */
final class SimTransport implements Transport {
  private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  private final SimNetwork network;
  private final int device;
  private String token;

  SimTransport(SimNetwork network, int device, String token) {
    this.network = network;
    this.device = device;
    this.token = token;
  }

  /** The device's app signs in again: later calls carry {@code token}. */
  void token(String token) {
    this.token = token;
  }

  @Override
  public boolean callerThreadOnly() {
    return true;
  }

  @Override
  public SchemaResponse schema() {
    return send("GET", "/v1/schema", null, SchemaResponse.parser());
  }

  @Override
  public PushResponse push(PushRequest request) {
    return send("POST", "/v1/push", Packing.pack(request), PushResponse.parser());
  }

  @Override
  public PullResponse pull(PullRequest request) {
    return send(
        "POST", "/v1/pull", request.toBuilder().setPacked(true).build(), PullResponse.parser());
  }

  @Override
  public VerifyResponse verify(VerifyRequest request) {
    return send("POST", "/v1/verify", request, VerifyResponse.parser());
  }

  @Override
  public RecordsResponse records(RecordsRequest request) {
    return send("POST", "/v1/records", request, RecordsResponse.parser());
  }

  private <T extends Message> T send(String method, String path, Message body, Parser<T> parser) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", "Bearer " + token);
    byte[] bytes = new byte[0];
    if (body == null) {
      headers.put("Accept", WireCodec.PROTOBUF);
    } else {
      headers.put("Content-Type", WireCodec.PROTOBUF);
      headers.put("Content-Encoding", WireCodec.ZSTD);
      bytes = WireCodec.encode(body);
    }
    SimNetwork.Request request = new SimNetwork.Request(device, method, path, headers, bytes);
    SyncHandler.Answer answer = network.send(request);
    String where = method + " " + path + " (device " + device + ")";
    int status = answer.status();
    if (status == 200) {
      return Packing.unpack(
          WireCodec.ZSTD.equalsIgnoreCase(answer.contentEncoding())
              ? WireCodec.decode(parser, answer.body(), MAX_RESPONSE_BYTES)
              : WireCodec.parse(parser, answer.body()));
    }
    String message =
        where + " returned " + status + ": " + new String(answer.body(), StandardCharsets.UTF_8);
    if (status == 401) {
      throw new AuthException(message);
    }
    if (status == 410) {
      throw new ResyncRequiredException(message, lastDeviceBatch(answer.body()));
    }
    if (status >= 500 || status == 408 || status == 429) {
      throw new TransportException(message);
    }
    throw new ProtocolException(message);
  }

  private static long lastDeviceBatch(byte[] body) {
    com.google.gson.JsonElement json =
        com.google.gson.JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
    return json.isJsonObject() && json.getAsJsonObject().has("last_device_batch")
        ? json.getAsJsonObject().get("last_device_batch").getAsLong()
        : 0;
  }
}
