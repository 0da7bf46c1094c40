package io.fieldsync.cli;

import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fieldsync server} in a JVM of its own (the {@link FieldSyncCommand} main on this test's
 * class path), with the lines it writes to standard error. {@link #close()} stops it.
 */
final class LoggedServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final String startLine;
  private final URI uri;

  private LoggedServerProcess(List<String> arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(ServerProcess.command("server"));
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(name -> name.startsWith("FIELDSYNC_"));
    process = builder.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      startLine = lineContaining("listening on");
      String message =
          startLine.startsWith("{")
              ? JsonParser.parseString(startLine)
                  .getAsJsonObject()
                  .get("formattedMessage")
                  .getAsString()
              : startLine;
      Matcher matcher = LISTENING.matcher(message);
      if (!matcher.find()) {
        throw new AssertionError("no URL in the start line " + startLine);
      }
      uri = URI.create(matcher.group(1));
    } catch (AssertionError | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Starts {@code fieldsync server ARGUMENTS} and waits for its start line. */
  static LoggedServerProcess start(List<String> arguments)
      throws IOException, InterruptedException {
    return new LoggedServerProcess(arguments);
  }

  /** The line the server logged when it began listening. */
  String startLine() {
    return startLine;
  }

  /** The base URI it listens on. */
  URI uri() {
    return uri;
  }

  /** The next log line containing {@code text}, waiting up to 30 s for it. */
  String lineContaining(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null) {
        seen.add(line);
        if (line.contains(text)) {
          return line;
        }
      } else if (!process.isAlive()) {
        break;
      }
    }
    throw new AssertionError("no log line with '" + text + "' within 30 s; lines: " + seen);
  }

  /** Every line read so far. */
  List<String> lines() {
    lines.drainTo(seen);
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
