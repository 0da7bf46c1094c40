package io.fieldsync.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH micro-benchmarks (codec, merge) and adds their scores to the results. */
final class Micro {
  private Micro() {}

  static void run(boolean quick, Results results) throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include("io\\.fieldsync\\.bench\\.jmh\\..*")
            .forks(1)
            .warmupIterations(quick ? 1 : 3)
            .warmupTime(TimeValue.seconds(quick ? 1 : 2))
            .measurementIterations(quick ? 2 : 5)
            .measurementTime(TimeValue.seconds(quick ? 1 : 2))
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> runs = new Runner(options).run();
    for (RunResult run : runs) {
      String name = run.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      String rule = run.getParams().getParam("rule");
      String metric = "jmh_" + name.replace('.', '_') + (rule == null ? "" : "_" + rule);
      for (var iteration : run.getBenchmarkResults()) {
        for (var result : iteration.getIterationResults()) {
          results.add(
              metric,
              "ns per " + (name.startsWith("Merge") ? "field" : "change"),
              "-",
              0,
              1,
              null,
              result.getPrimaryResult().getScore());
        }
      }
    }
  }
}
