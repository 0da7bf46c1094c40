package io.fieldsync.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A randomised test that takes its seed as a {@code long} parameter, runs once per seed, prints the
 * seed, and on failure names the exact command that replays it ({@link SeedExtension}).
 *
 * <p>The seeds of a run, first match wins: the system property {@value SeedExtension#PROPERTY} (one
 * run, that seed); {@link #seeds()}; the static method named by {@link #seedsFrom()}; else {@link
 * #runs()} fresh seeds.
 *
 * <pre>{@code
 * @SeededTest
 * void randomEditsConverge(long seed) {
 *   SplittableRandom random = new SplittableRandom(seed);
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith(SeedExtension.class)
public @interface SeededTest {
  /** How many fresh seeds to draw when no seed is fixed. */
  int runs() default 1;

  /** Fixed seeds to run instead of fresh ones (a default that must not vary, regression seeds). */
  long[] seeds() default {};

  /**
   * A static method of the test class (or a superclass; the subclass's wins) without parameters
   * that returns the seeds as a {@code LongStream}, {@code Stream<Long>}, {@code long[]} or {@code
   * Collection<Long>}.
   */
  String seedsFrom() default "";
}
