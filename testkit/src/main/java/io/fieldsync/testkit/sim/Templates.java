package io.fieldsync.testkit.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Freshly made databases, copied instead of made again for every seed: an empty SQLite server store
 * at schema version 1, and device databases {@code d0}, {@code d1}, ... initialized against it at
 * the start of virtual time. What initialization writes does not depend on the seed (the device's
 * name, the tenant, the server's clock at the start), except the stored token, which the simulation
 * never uses: its transport carries the seed's own tokens. Made once per JVM, with the real {@code
 * initialize}.
 */
final class Templates {
  private static Path directory;
  private static int devices;

  private Templates() {}

  /** Copies the server store and {@code count} device databases into {@code target}. */
  static synchronized void copy(Path target, int count) {
    try {
      if (directory == null || devices < count) {
        directory = Files.createTempDirectory("fieldsync-sim-templates-");
        directory.toFile().deleteOnExit();
        Simulation.initializeTemplates(directory, count);
        devices = count;
      }
      Files.copy(directory.resolve("server.db"), target.resolve("server.db"));
      for (int device = 0; device < count; device++) {
        String name = "d" + device + ".db";
        Files.copy(
            directory.resolve(name), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the simulation's template databases", e);
    }
  }
}
