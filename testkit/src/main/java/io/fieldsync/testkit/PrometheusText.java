package io.fieldsync.testkit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads a {@code /metrics} answer with real tools: the Prometheus Python client's parser ({@code
 * prometheus_client.parser}, Debian package {@code python3-prometheus-client}) turns it into
 * samples, and {@code promtool check metrics} (Debian package {@code prometheus}) checks the format
 * and its naming rules.
 *
 * <p>A missing tool aborts the test (reported as skipped, with the install command) on a developer
 * machine and fails it when the environment variable {@code CI} is set ({@code .ci/run} installs
 * both).
 */
public final class PrometheusText {
  /**
   * One sample: the series name (with its {@code _total}, {@code _bucket}... suffix), labels,
   * value.
   */
  public record Sample(
      String family, String type, String name, Map<String, String> labels, double value) {}

  private PrometheusText() {}

  /**
   * Parses an exposition into its samples.
   *
   * @throws AssertionError when the text does not parse, or the parser is missing and CI is set
   */
  public static List<Sample> parse(String exposition, Path directory) {
    String python = python();
    Path text = write(directory, exposition);
    Path script = directory.resolve("parse_metrics.py");
    try (InputStream source = PrometheusText.class.getResourceAsStream("parse_metrics.py")) {
      Files.write(script, source.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExternalTools.Run run = ExternalTools.run(python, script.toString(), text.toString());
    if (run.exit() != 0) {
      throw new AssertionError("the Prometheus parser refused the exposition: " + run.output());
    }
    List<Sample> samples = new ArrayList<>();
    for (JsonElement element : JsonParser.parseString(run.stdout()).getAsJsonArray()) {
      JsonObject sample = element.getAsJsonObject();
      Map<String, String> labels = new TreeMap<>();
      sample
          .getAsJsonObject("labels")
          .entrySet()
          .forEach(label -> labels.put(label.getKey(), label.getValue().getAsString()));
      samples.add(
          new Sample(
              sample.get("family").getAsString(),
              sample.get("type").getAsString(),
              sample.get("name").getAsString(),
              labels,
              sample.get("value").getAsDouble()));
    }
    return samples;
  }

  /**
   * Runs {@code promtool check metrics} on the exposition.
   *
   * @return what promtool printed (empty when it found nothing to say)
   * @throws AssertionError when promtool refuses the exposition, or is missing and CI is set
   */
  public static String promtoolCheck(String exposition, Path directory) {
    ExternalTools.require("promtool", "apt-get install prometheus", "promtool", "--version");
    Path text = write(directory, exposition);
    ExternalTools.Run run =
        ExternalTools.run("sh", "-c", "promtool check metrics < \"$0\"", text.toString());
    if (run.exit() != 0) {
      throw new AssertionError("promtool check metrics failed: " + run.output());
    }
    return run.output();
  }

  /**
   * Runs {@code promtool check rules} on a rules file.
   *
   * @throws AssertionError when promtool refuses the file, or is missing and CI is set
   */
  public static String promtoolCheckRules(Path rules) {
    ExternalTools.require("promtool", "apt-get install prometheus", "promtool", "--version");
    ExternalTools.Run run = ExternalTools.run("promtool", "check", "rules", rules.toString());
    if (run.exit() != 0) {
      throw new AssertionError("promtool check rules failed: " + run.output());
    }
    return run.output();
  }

  /**
   * Runs {@code promtool test rules} on a rules unit-test file.
   *
   * @throws AssertionError when a test fails, or promtool is missing and CI is set
   */
  public static String promtoolTestRules(Path tests) {
    ExternalTools.require("promtool", "apt-get install prometheus", "promtool", "--version");
    ExternalTools.Run run = ExternalTools.run("promtool", "test", "rules", tests.toString());
    if (run.exit() != 0) {
      throw new AssertionError("promtool test rules failed: " + run.output());
    }
    return run.output();
  }

  /** The one sample of {@code name} with exactly these labels, if any. */
  public static Optional<Sample> find(
      List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(sample -> sample.name().equals(name) && sample.labels().equals(labels))
        .findFirst();
  }

  /** The sum of every sample of {@code name} whose labels include these. */
  public static double sum(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(sample -> sample.name().equals(name))
        .filter(sample -> sample.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  private static Path write(Path directory, String exposition) {
    try {
      Path text = Files.createTempFile(directory, "metrics", ".txt");
      Files.writeString(text, exposition);
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The first Python with the parser: {@code python3} on {@code PATH}, else the system's (where the
   * Debian package installs it when {@code PATH} leads to another Python first).
   */
  private static String python() {
    String probe = "import prometheus_client.parser";
    for (String candidate : List.of("python3", "/usr/bin/python3")) {
      if (ExternalTools.run(candidate, "-c", probe).exit() == 0) {
        return candidate;
      }
    }
    ExternalTools.require(
        "python3 with the Prometheus client's parser",
        "apt-get install python3-prometheus-client",
        "python3",
        "-c",
        probe);
    return "python3";
  }
}
