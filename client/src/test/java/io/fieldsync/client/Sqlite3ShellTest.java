package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sqlite3ShellTest {
  @TempDir Path dir;

  @Test
  void findsTheFirstExecutableSqlite3OnThePath() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path notExecutable = Files.createDirectory(dir.resolve("plain"));
    Files.writeString(notExecutable.resolve("sqlite3"), "");
    Path first = executable(Files.createDirectory(dir.resolve("first")));
    Path second = executable(Files.createDirectory(dir.resolve("second")));
    String path =
        String.join(
            File.pathSeparator,
            empty.toString(),
            "",
            notExecutable.toString(),
            first.getParent().toString(),
            second.getParent().toString());

    assertThat(Sqlite3Shell.find(path)).contains(first);
  }

  @Test
  void findsNothingWithoutASqlite3OnThePath() {
    assertThat(Sqlite3Shell.find(dir.toString())).isEmpty();
    assertThat(Sqlite3Shell.find("")).isEmpty();
    assertThat(Sqlite3Shell.find(null)).isEmpty();
  }

  private static Path executable(Path directory) throws Exception {
    Path shell = directory.resolve("sqlite3");
    Files.writeString(shell, "#!/bin/sh\n");
    Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwxr-xr-x"));
    return shell;
  }
}
