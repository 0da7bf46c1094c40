package io.fieldsync.testkit.sim;

/**
 * A device dies here: thrown from inside the client (its transport, its fault injector) so the open
 * transaction rolls back, as a killed process's would; the simulation then drops the client and
 * opens the database again. An {@link Error}, so no retry loop of the client catches it.
 */
final class SimulatedCrash extends Error {
  SimulatedCrash(String message) {
    super(message, null, false, false);
  }
}
