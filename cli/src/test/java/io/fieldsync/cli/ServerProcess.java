package io.fieldsync.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fieldsync server} (or any other {@code fieldsync} command) in a JVM of its own (the {@link
 * FieldSyncCommand} main on the test class path), with an environment of the test's choosing: no
 * {@code FIELDSYNC_} variable of the build's own environment leaks in. {@link #kill()} ends it as
 * {@code kill -9} does.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on (https?://\\S+)");

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread reader;

  private ServerProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.append(line).append('\n');
                }
              } catch (IOException ended) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
  }

  /** The {@code java} command that runs {@code fieldsync ARGS} from the test class path. */
  public static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FieldSyncCommand.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /** Starts {@code fieldsync ARGS} in {@code directory} with {@code environment} added. */
  public static ServerProcess start(Path directory, Map<String, String> environment, String... args)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command(args));
    builder.directory(directory.toFile());
    builder.redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("FIELDSYNC_"));
    builder.environment().putAll(environment);
    return new ServerProcess(builder.start());
  }

  /** The URL the server logs once it listens; fails with its output when it does not. */
  public String awaitListening() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher matcher = LISTENING.matcher(output);
      if (matcher.find()) {
        return matcher.group(1);
      }
      if (!process.isAlive()) {
        reader.join(5_000);
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("fieldsync server did not start; its output:\n" + output);
  }

  /** Waits for the process to end by itself and returns its exit code. */
  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("fieldsync did not exit within 60 s; its output:\n" + output);
    }
    reader.join(5_000);
    return process.exitValue();
  }

  /** Everything it printed so far (standard output and error). */
  public String output() {
    return output.toString();
  }

  /** Whether the process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Ends the process with SIGKILL, as {@code kill -9} does: no shutdown hook runs, nothing is
   * flushed or closed; waits until it is gone.
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("process " + process.pid() + " outlived SIGKILL by 30 s");
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
