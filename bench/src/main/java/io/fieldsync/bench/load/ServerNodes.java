package io.fieldsync.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The driver's handle on the server JVM ({@link LoadNodes}): starts it with the driver's own class
 * path, learns the nodes' ports, asks it for samples, stops it. Its log goes to a file. Samples are
 * asked from one thread at a time.
 */
final class ServerNodes implements AutoCloseable {
  /** What the server JVM said about itself at one moment. */
  record Reading(long heapUsed, long heapAfterGc, int threads, int liveChannels) {}

  private final Process process;
  private final BufferedReader answers;
  private final OutputStream commands;
  private final List<URI> uris;

  private ServerNodes(Process process, BufferedReader answers, List<URI> uris) {
    this.process = process;
    this.answers = answers;
    this.commands = process.getOutputStream();
    this.uris = List.copyOf(uris);
  }

  /**
   * Starts {@code nodes} nodes over the store at {@code location} in a JVM of at most {@code
   * heapMegabytes} of heap.
   */
  static ServerNodes start(
      String location, int nodes, Path secretFile, int poolSize, int heapMegabytes, Path log)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMegabytes + "m",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                LoadNodes.class.getName(),
                location,
                Integer.toString(nodes),
                secretFile.toString(),
                Integer.toString(poolSize))
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("FIELDSYNC_LOG_LEVEL", "WARN");
    Process process = builder.start();
    BufferedReader answers =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String ready = answers.readLine();
    if (ready == null || !ready.startsWith("ready ")) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "the server JVM said '" + ready + "' instead of 'ready PORT...'; its log is " + log);
    }
    List<URI> uris = new ArrayList<>();
    for (String port : ready.substring("ready ".length()).split(" ")) {
      uris.add(URI.create("http://127.0.0.1:" + port));
    }
    return new ServerNodes(process, answers, uris);
  }

  /** The nodes' base URIs. */
  List<URI> uris() {
    return uris;
  }

  long pid() {
    return process.pid();
  }

  /** Heap (before and after a full collection), threads and live channels of the server JVM. */
  synchronized Reading read() throws IOException {
    commands.write("sample\n".getBytes(StandardCharsets.US_ASCII));
    commands.flush();
    String line = answers.readLine();
    if (line == null || !line.startsWith("sample ")) {
      throw new IllegalStateException(
          "the server JVM answered '" + line + "' to a sample (exit: " + exit() + ")");
    }
    String[] parts = line.split(" ");
    return new Reading(
        Long.parseLong(parts[1]),
        Long.parseLong(parts[2]),
        Integer.parseInt(parts[3]),
        Integer.parseInt(parts[4]));
  }

  private String exit() {
    return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
  }

  @Override
  public void close() throws IOException {
    commands.close();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
