package io.fieldsync.testkit;

import io.fieldsync.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds files of the repository (the example schema, the docs, the alert rules) from any module.
 */
public final class RepositoryFiles {
  private RepositoryFiles() {}

  /**
   * A file by its path from the repository root, found by walking up from the working directory and
   * from where this class was loaded.
   *
   * @throws ConfigException when no enclosing directory has it
   */
  public static Path find(String relative) {
    for (Path start : searchStarts()) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(relative);
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    throw new ConfigException(
        "cannot find "
            + relative
            + " above "
            + searchStarts()
            + "; run the tests from inside the repository");
  }

  private static List<Path> searchStarts() {
    Path working = Path.of("").toAbsolutePath();
    try {
      Path classes =
          Path.of(
              RepositoryFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return List.of(working, classes.toAbsolutePath());
    } catch (Exception e) {
      // no code source (unusual class loaders): the working directory is enough
      return List.of(working);
    }
  }
}
