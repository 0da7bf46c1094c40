package io.fieldsync.bench.load;

import io.fieldsync.AuthException;
import io.fieldsync.ProtocolException;
import io.fieldsync.ResyncRequiredException;
import io.fieldsync.TransportException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the run's devices saw: latencies of each kind of operation (milliseconds) and the errors
 * they met, counted by kind. Thread-safe.
 */
final class Tally {
  private static final Pattern STATUS = Pattern.compile("returned (\\d{3})");

  private final Map<String, Latencies> latencies = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

  /** Percentiles of one kind of operation. */
  record Summary(String operation, int count, double p50, double p99, double max) {}

  void time(String operation, long startedNanos) {
    double millis = (System.nanoTime() - startedNanos) / 1e6;
    latencies.computeIfAbsent(operation, name -> new Latencies()).add(millis);
  }

  /** Counts {@code failure} under its kind; returns the kind. */
  String error(String operation, Throwable failure) {
    String kind = operation + ": " + kind(failure);
    count(kind);
    return kind;
  }

  void count(String kind) {
    errors.computeIfAbsent(kind, name -> new LongAdder()).increment();
  }

  Map<String, Long> errors() {
    Map<String, Long> counts = new TreeMap<>();
    errors.forEach((kind, count) -> counts.put(kind, count.sum()));
    return counts;
  }

  List<Summary> summaries() {
    List<Summary> summaries = new ArrayList<>();
    new TreeMap<>(latencies)
        .forEach((operation, values) -> summaries.add(values.summary(operation)));
    return summaries;
  }

  Summary summary(String operation) {
    Latencies values = latencies.get(operation);
    return values == null ? new Summary(operation, 0, 0, 0, 0) : values.summary(operation);
  }

  /** The kind of a failure, in words: an injected fault, an HTTP status, a timeout, a class. */
  static String kind(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    int injected = message.indexOf("injected fault: ");
    if (injected >= 0) {
      return message.substring(injected);
    }
    Matcher status = STATUS.matcher(message);
    if (status.find()) {
      return "HTTP " + status.group(1);
    }
    if (failure instanceof TransportException) {
      if (message.contains("timed out")) {
        return "timed out";
      }
      return "transport failed";
    }
    if (failure instanceof ResyncRequiredException) {
      return "resync required";
    }
    if (failure instanceof AuthException) {
      return "refused token";
    }
    if (failure instanceof ProtocolException) {
      return "protocol error";
    }
    return failure.getClass().getSimpleName();
  }

  private static final class Latencies {
    private double[] values = new double[1024];
    private int size;

    synchronized void add(double millis) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = millis;
    }

    synchronized Summary summary(String operation) {
      if (size == 0) {
        return new Summary(operation, 0, 0, 0, 0);
      }
      double[] sorted = Arrays.copyOf(values, size);
      Arrays.sort(sorted);
      return new Summary(
          operation, size, percentile(sorted, 0.50), percentile(sorted, 0.99), sorted[size - 1]);
    }

    private static double percentile(double[] sorted, double fraction) {
      int index = (int) Math.ceil(fraction * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
  }
}
