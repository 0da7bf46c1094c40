package io.fieldsync.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

/** Samples of every metric of a run, keyed by metric, store, data set size and device count. */
final class Results {

  /** What a metric promises, for the report's target column. */
  record Target(String text, DoublePredicate met) {}

  /** One measured quantity at one point of the growth curve. */
  static final class Series {
    final String metric;
    final String unit;
    final String store;
    final long records;
    final int devices;
    final Target target;
    final List<Double> samples = new ArrayList<>();

    Series(String metric, String unit, String store, long records, int devices, Target target) {
      this.metric = metric;
      this.unit = unit;
      this.store = store;
      this.records = records;
      this.devices = devices;
      this.target = target;
    }

    double[] sorted() {
      double[] values = samples.stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(values);
      return values;
    }

    double median() {
      double[] values = sorted();
      int n = values.length;
      return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    double min() {
      return sorted()[0];
    }

    double max() {
      double[] values = sorted();
      return values[values.length - 1];
    }

    /** Null when the metric has no target. */
    Boolean meets() {
      return target == null ? null : target.met().test(median());
    }
  }

  private final Map<String, Series> series = new LinkedHashMap<>();
  final List<String> notes = new ArrayList<>();
  final Map<String, Object> facts = new LinkedHashMap<>();

  void add(
      String metric,
      String unit,
      String store,
      long records,
      int devices,
      Target target,
      double value) {
    String key = metric + "|" + store + "|" + records + "|" + devices;
    series
        .computeIfAbsent(key, k -> new Series(metric, unit, store, records, devices, target))
        .samples
        .add(value);
  }

  List<Series> all() {
    return List.copyOf(series.values());
  }

  void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
    }
  }
}
