package io.fieldsync.testkit;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.opentest4j.TestAbortedException;

/**
 * Runs a {@link SeededTest} once per seed: the seed is the test's {@code long} parameter, printed
 * before the test runs, and a failure is rethrown as an {@link AssertionError} whose message starts
 * with the Maven command that replays exactly that seed ({@code -Dfieldsync.seed=N}), the original
 * failure as its cause.
 */
public final class SeedExtension implements TestTemplateInvocationContextProvider {
  /** The system property that fixes the seed of every seeded test of a run. */
  public static final String PROPERTY = "fieldsync.seed";

  @Override
  public boolean supportsTestTemplate(ExtensionContext context) {
    return context
        .getTestMethod()
        .map(method -> method.isAnnotationPresent(SeededTest.class))
        .orElse(false);
  }

  @Override
  public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(
      ExtensionContext context) {
    Method method = context.getRequiredTestMethod();
    SeededTest seeded = method.getAnnotation(SeededTest.class);
    String test = context.getRequiredTestClass().getSimpleName() + "#" + method.getName();
    return seeds(seeded, context.getRequiredTestClass()).mapToObj(seed -> invocation(test, seed));
  }

  /** The seeds of a run, by the order {@link SeededTest} documents. */
  static LongStream seeds(SeededTest seeded, Class<?> testClass) {
    Long fixed = Long.getLong(PROPERTY);
    if (fixed != null) {
      return LongStream.of(fixed);
    }
    if (seeded.seeds().length > 0) {
      return LongStream.of(seeded.seeds());
    }
    if (!seeded.seedsFrom().isEmpty()) {
      return seedsFrom(seeded.seedsFrom(), testClass);
    }
    if (seeded.runs() < 1) {
      throw new ExtensionConfigurationException(
          "@SeededTest runs must be >= 1, found " + seeded.runs());
    }
    return LongStream.generate(() -> ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
        .limit(seeded.runs());
  }

  private static LongStream seedsFrom(String name, Class<?> testClass) {
    for (Class<?> type = testClass; type != null; type = type.getSuperclass()) {
      Method source;
      try {
        source = type.getDeclaredMethod(name);
      } catch (NoSuchMethodException e) {
        continue;
      }
      try {
        source.setAccessible(true);
        Object seeds = source.invoke(null);
        if (seeds instanceof LongStream stream) {
          return stream;
        }
        if (seeds instanceof long[] array) {
          return Arrays.stream(array);
        }
        if (seeds instanceof Stream<?> stream) {
          return stream.mapToLong(seed -> (Long) seed);
        }
        if (seeds instanceof Collection<?> collection) {
          return collection.stream().mapToLong(seed -> (Long) seed);
        }
        throw new ExtensionConfigurationException(
            name + "() of " + type.getName() + " returned " + seeds + ", not seeds");
      } catch (ReflectiveOperationException | NullPointerException e) {
        throw new ExtensionConfigurationException(
            "cannot call static " + name + "() of " + type.getName() + ": " + e, e);
      }
    }
    throw new ExtensionConfigurationException(
        "no static method " + name + "() in " + testClass.getName() + " or its superclasses");
  }

  /** The command that runs one seeded test with one seed, from the repository root. */
  static String replayCommand(String test, long seed) {
    String module = Path.of("").toAbsolutePath().getFileName().toString();
    return "./mvnw verify -pl "
        + module
        + " -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest='"
        + test
        + "' -D"
        + PROPERTY
        + "="
        + seed;
  }

  private static TestTemplateInvocationContext invocation(String test, long seed) {
    return new TestTemplateInvocationContext() {
      @Override
      public String getDisplayName(int invocationIndex) {
        return "seed " + seed;
      }

      @Override
      public List<Extension> getAdditionalExtensions() {
        return List.of(new Seed(test, seed));
      }
    };
  }

  /** One run's seed: its parameter, its line in the output, its replay command on failure. */
  private record Seed(String test, long seed)
      implements ParameterResolver, BeforeTestExecutionCallback, TestExecutionExceptionHandler {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      return type == long.class || type == Long.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return seed;
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) {
      System.out.println(
          test + ": seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + ")");
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure)
        throws Throwable {
      if (failure instanceof TestAbortedException) {
        throw failure;
      }
      throw new AssertionError(
          test
              + " failed with seed "
              + seed
              + "; replay: "
              + replayCommand(test, seed)
              + "\n"
              + failure,
          failure);
    }
  }
}
