package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.RepositoryFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command tree: built for the named subcommand only, complete wherever it is shown whole. */
class FieldSyncCommandTest {
  @Test
  void aNamedSubcommandIsTheOnlyOneBuilt() {
    CommandLine status = FieldSyncCommand.commandLine("client", "status", "--db", "x.db");
    assertThat(status.getSubcommands()).containsOnlyKeys("client");
    assertThat(status.getSubcommands().get("client").getSubcommands()).containsOnlyKeys("status");
    assertThat(FieldSyncCommand.commandLine("server", "--port", "0").getSubcommands())
        .containsOnlyKeys("server");
  }

  @Test
  void withoutANamedSubcommandEveryOneIsBuilt() {
    for (String[] args :
        new String[][] {{}, {"--help"}, {"help", "client"}, {"clinet", "sync"}, {"-V"}}) {
      assertThat(FieldSyncCommand.commandLine(args).getSubcommands().keySet())
          .as(String.join(" ", args))
          .containsExactly("server", "client", "token", "review", "demo", "help");
    }
    for (String[] args : new String[][] {{"client"}, {"client", "--help"}, {"help", "client"}}) {
      assertThat(
              FieldSyncCommand.commandLine(args)
                  .getSubcommands()
                  .get("client")
                  .getSubcommands()
                  .keySet())
          .as(String.join(" ", args))
          .containsExactly(
              "init", "sync", "status", "run", "resync", "verify", "rejected", "rekey");
    }
  }

  @Test
  void theUsageListsEveryCommandWithBenchBeforeHelp() {
    CommandRun run = CommandRun.of("--help");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out().lines().filter(line -> line.matches("  [a-z]+ .*")).map(String::strip))
        .extracting(line -> line.substring(0, line.indexOf(' ')))
        .containsExactly("server", "client", "token", "review", "demo", "bench", "help");
  }

  @Test
  void helpForASubcommandShowsItsOwnCommands() {
    CommandRun run = CommandRun.of("help", "client");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out())
        .startsWith("Usage: fieldsync client [-hV] [COMMAND]")
        .contains("  init ", "  sync ", "  status ", "  run ", "  resync ", "  verify ");
  }

  @Test
  void theVersionNamesTheProjectVersionAndTheCommitItWasBuiltFrom() throws Exception {
    Path pom = RepositoryFiles.find("pom.xml");
    Matcher version =
        Pattern.compile("<artifactId>fieldsync-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(Files.readString(pom));
    assertThat(version.find()).isTrue();
    String commit = "unknown";
    Process git =
        new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
            .directory(pom.getParent().toFile())
            .redirectErrorStream(true)
            .start();
    String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (git.waitFor() == 0) {
      commit = head;
    }

    CommandRun run = CommandRun.of("--version");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo("fieldsync " + version.group(1) + " (commit " + commit + ")\n");
  }

  @Test
  void aMisspeltCommandIsAnsweredWithTheNearestOne() {
    CommandRun run = CommandRun.of("clinet", "sync");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Unmatched arguments from index 0: 'clinet', 'sync'")
        .contains("Did you mean: fieldsync client?");
  }
}
