package io.fieldsync.cli.kill;

import io.fieldsync.cli.ServerProcess;
import io.fieldsync.testkit.ServerDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code fieldsync server} processes on one {@link ServerDatabase}, each on a loopback port of its
 * own that it keeps across restarts, so devices find a killed node again where it was. One node
 * first makes the token secret file; the others read it. {@link #close()} stops every node.
 */
final class ServerNodes implements AutoCloseable {
  /** The tenant of every device token. */
  static final String TENANT = "acme";

  /** Quicker start and a smaller footprint on a busy machine; not a production setting. */
  static final Map<String, String> CHILD_JVM =
      Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m");

  private final Path directory;
  private final ServerDatabase database;
  private final Path schema;
  private final Path secret;
  private final int[] ports;
  private final ServerProcess[] nodes;

  ServerNodes(Path directory, ServerDatabase database, int count) throws IOException {
    this.directory = directory;
    this.database = database;
    this.schema = directory.resolve("schema.yaml");
    this.secret = directory.resolve("fieldsync.secret");
    Files.writeString(schema, Ledger.SCHEMA);
    this.ports = new int[count];
    this.nodes = new ServerProcess[count];
    for (int node = 0; node < count; node++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        ports[node] = socket.getLocalPort();
      }
    }
  }

  /**
   * Starts every node, the first alone (it writes the secret file), and waits until they listen.
   */
  ServerNodes startAll() throws IOException, InterruptedException {
    for (int node = 0; node < nodes.length; node++) {
      start(node);
    }
    return this;
  }

  /** Starts {@code node} on its port and waits until it listens. */
  void start(int node) throws IOException, InterruptedException {
    nodes[node] =
        ServerProcess.start(
            directory,
            CHILD_JVM,
            "server",
            "--db",
            database.location(),
            "--schema",
            schema.toString(),
            "--secret-file",
            secret.toString(),
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(ports[node]),
            "--pool-size",
            "3");
    nodes[node].awaitListening();
  }

  /** Kills {@code node} as {@code kill -9} does and waits until it is gone. */
  void kill(int node) throws InterruptedException {
    nodes[node].kill();
  }

  int size() {
    return nodes.length;
  }

  List<URI> uris() {
    List<URI> uris = new ArrayList<>();
    for (int port : ports) {
      uris.add(URI.create("http://127.0.0.1:" + port));
    }
    return uris;
  }

  /** A device token of the tenant {@code acme}, signed with the nodes' secret. */
  String token(String device) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        io.fieldsync.cli.FieldSyncCommand.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "token",
            "create",
            "--tenant",
            TENANT,
            "--device",
            device,
            "--secret-file",
            secret.toString());
    if (exit != 0) {
      throw new AssertionError("fieldsync token create exited " + exit + ": " + err);
    }
    return out.toString().strip();
  }

  @Override
  public void close() throws InterruptedException {
    for (ServerProcess node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }
}
