package io.fieldsync.testkit.sim;

/**
 * How big the histories of a run are and where the server keeps its rows.
 *
 * @param maxDevices most devices in a history (at least 2)
 * @param maxNodes most server nodes sharing the store
 * @param maxSteps most steps in a history
 * @param schemaBump whether a history may bump the schema version mid-run
 * @param postgres whether the server's store is PostgreSQL (embedded) instead of SQLite
 */
public record Settings(
    int maxDevices, int maxNodes, int maxSteps, boolean schemaBump, boolean postgres) {

  /** What every build runs: short histories, few devices, SQLite. */
  public static final Settings BUILD = new Settings(3, 2, 30, true, false);

  public Settings {
    if (maxDevices < 2) {
      throw new IllegalArgumentException("maxDevices must be 2 or more, found " + maxDevices);
    }
    if (maxNodes < 1) {
      throw new IllegalArgumentException("maxNodes must be 1 or more, found " + maxNodes);
    }
    if (maxSteps < 2) {
      throw new IllegalArgumentException("maxSteps must be 2 or more, found " + maxSteps);
    }
  }
}
