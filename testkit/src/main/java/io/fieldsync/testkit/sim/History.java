package io.fieldsync.testkit.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * What happens in one simulated run, drawn from its seed before it starts: how many devices and
 * server nodes, the faults, and the steps in virtual time. Each step carries its own seed for the
 * draws made while it runs (which record a write picks, which request is lost), so a shrunk history
 * (steps, devices or faults dropped) keeps the draws of the steps it keeps.
 *
 * @param seed the seed it was drawn from
 * @param devices how many devices
 * @param nodes how many server nodes share the store
 * @param faults the fault rates and clock skews
 * @param steps the steps, in order
 * @param generation which generator drew it: {@link #CURRENT}, or 1 for the first one (no app
 *     updates, no {@code tallies}, only a record's creator edits its {@code server_wins} and {@code
 *     manual} columns), which the seeds of bugs found then replay with
 */
public record History(
    long seed, int devices, int nodes, Faults faults, List<Step> steps, int generation) {

  /** The generator of {@link #draw}. */
  public static final int CURRENT = 2;

  /** Whether its users write as the first generator's did. */
  boolean firstGeneration() {
    return generation == 1;
  }

  /** What a step does. */
  public enum Kind {
    /** A user writes on a device by plain SQL: insert, update, increment, add, remove, delete. */
    WRITE,
    /** A device runs one sync cycle. */
    SYNC,
    /** A device asks for a full resync. */
    RESYNC,
    /** A device dies while idle and is opened again. */
    CRASH,
    /** A server node restarts on the same store. */
    RESTART,
    /** A device is cut from the network for a while ({@code param} ms). */
    PARTITION_DEVICE,
    /** A server node is cut from the network for a while ({@code param} ms). */
    PARTITION_NODE,
    /** The server restarts with the next schema version (one more column). */
    SCHEMA_BUMP,
    /**
     * The device's app is updated: its database, as an older library of layout {@code param} left
     * it, is opened by this one and upgraded; the device may die inside the upgrade or right after.
     */
    UPGRADE
  }

  /**
   * One step.
   *
   * @param delayMillis virtual time since the step before
   * @param target the device or node it concerns
   * @param param a duration, where the kind has one
   * @param seed the seed of its own draws
   */
  public record Step(long delayMillis, Kind kind, int target, long param, long seed) {
    @Override
    public String toString() {
      return "+" + delayMillis + "ms " + kind + " " + target + (param != 0 ? " " + param : "");
    }
  }

  /** The history of a seed, with at most {@code maxSteps} steps and {@code maxDevices} devices. */
  public static History draw(long seed, Settings settings) {
    return draw(seed, settings, CURRENT);
  }

  /** The history the first generator drew from a seed (see {@code generation}). */
  public static History drawFirstGeneration(long seed, Settings settings) {
    return draw(seed, settings, 1);
  }

  private static History draw(long seed, Settings settings, int generation) {
    SplittableRandom random = new SplittableRandom(seed);
    int devices = random.nextInt(2, settings.maxDevices() + 1);
    int nodes = random.nextInt(1, settings.maxNodes() + 1);
    SplittableRandom more = new SplittableRandom(seed ^ 0x1a7e5eedL);
    Faults faults = Faults.draw(random, more, devices);
    int count = random.nextInt(settings.maxSteps() / 2, settings.maxSteps() + 1);
    boolean bumped = false;
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long delay = random.nextInt(4) == 0 ? random.nextLong(0, 120_000) : random.nextLong(0, 3_000);
      int roll = random.nextInt(100);
      Kind kind;
      int target = random.nextInt(devices);
      long param = 0;
      if (roll < 50) {
        kind = Kind.WRITE;
      } else if (roll < 80) {
        kind = Kind.SYNC;
      } else if (roll < 83) {
        kind = Kind.RESYNC;
      } else if (roll < 87) {
        kind = Kind.CRASH;
      } else if (roll < 90) {
        kind = Kind.RESTART;
        target = random.nextInt(nodes);
      } else if (roll < 94) {
        kind = Kind.PARTITION_DEVICE;
        param = random.nextLong(1_000, 300_000);
      } else if (roll < 97) {
        kind = Kind.PARTITION_NODE;
        target = random.nextInt(nodes);
        param = random.nextLong(1_000, 300_000);
      } else if (!bumped && settings.schemaBump()) {
        kind = Kind.SCHEMA_BUMP;
        bumped = true;
      } else {
        kind = Kind.SYNC;
      }
      steps.add(new Step(delay, kind, target, param, random.nextLong()));
    }
    if (generation >= 2 && more.nextInt(3) == 0) {
      steps.add(
          more.nextInt(steps.size() + 1),
          new Step(
              0, Kind.UPGRADE, more.nextInt(devices), more.nextBoolean() ? 1 : 4, more.nextLong()));
    }
    if (generation < 2) {
      faults = faults.withoutUpgradeCrashes();
    }
    return new History(seed, devices, nodes, faults, List.copyOf(steps), generation);
  }

  /** This history with other steps. */
  History withSteps(List<Step> steps) {
    return new History(seed, devices, nodes, faults, List.copyOf(steps), generation);
  }

  /** This history without device {@code dropped}: its steps go, later devices move down. */
  History withoutDevice(int dropped) {
    List<Step> kept = new ArrayList<>();
    for (Step step : steps) {
      boolean onDevice =
          step.kind() != Kind.RESTART
              && step.kind() != Kind.PARTITION_NODE
              && step.kind() != Kind.SCHEMA_BUMP;
      if (onDevice && step.target() == dropped) {
        continue;
      }
      int target = onDevice && step.target() > dropped ? step.target() - 1 : step.target();
      kept.add(new Step(step.delayMillis(), step.kind(), target, step.param(), step.seed()));
    }
    long[] skew = new long[devices - 1];
    for (int device = 0, to = 0; device < devices; device++) {
      if (device != dropped) {
        skew[to++] = faults.skewMillis()[device];
      }
    }
    Faults fewer = faults.withSkew(skew);
    return new History(seed, devices - 1, nodes, fewer, List.copyOf(kept), generation);
  }

  /** This history with other faults. */
  History withFaults(Faults faults) {
    return new History(seed, devices, nodes, faults, steps, generation);
  }

  /** Writes this history as JSON to {@code file}, for a replay of exactly these steps. */
  public void write(java.nio.file.Path file) {
    try {
      java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
      java.nio.file.Files.writeString(
          file, new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(this));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write the history to " + file, e);
    }
  }

  /** The history {@link #write} wrote to {@code file}. */
  public static History read(java.nio.file.Path file) {
    try {
      History history =
          new com.google.gson.Gson().fromJson(java.nio.file.Files.readString(file), History.class);
      if (history == null || history.steps() == null || history.faults() == null) {
        throw new IllegalArgumentException(file + " holds no simulation history");
      }
      return history;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the history in " + file, e);
    }
  }

  @Override
  public String toString() {
    return "seed "
        + seed
        + ": "
        + devices
        + " devices, "
        + nodes
        + " nodes, "
        + faults
        + "\n  "
        + steps.stream().map(Step::toString).collect(Collectors.joining("\n  "));
  }
}
