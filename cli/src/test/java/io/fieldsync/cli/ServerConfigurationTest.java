package io.fieldsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.RepositoryFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where each setting of {@code fieldsync server} comes from: the flag, else {@code
 * FIELDSYNC_<FLAG>}, else the {@code --config} file, else the default; for every flag, those added
 * later included.
 */
class ServerConfigurationTest {
  @TempDir Path dir;

  private static ServerCommand parse(Map<String, String> environment, String... args) {
    CommandLine root = FieldSyncCommand.commandLine(environment, args);
    return (ServerCommand) root.parseArgs(args).subcommand().commandSpec().userObject();
  }

  private static CommandSpec serverSpec() {
    return FieldSyncCommand.commandLine(Map.of(), "server")
        .getSubcommands()
        .get("server")
        .getCommandSpec();
  }

  /** Every flag a setting can be given by: all but help, version and {@code --config} itself. */
  private static List<OptionSpec> settingFlags() {
    return serverSpec().options().stream()
        .filter(option -> !option.usageHelp() && !option.versionHelp())
        .filter(option -> !option.longestName().equals("--config"))
        .toList();
  }

  private Path file(String yaml) throws Exception {
    return Files.writeString(dir.resolve("server.yaml"), yaml);
  }

  @Test
  void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
    Path config =
        file(
            """
            port: 1111
            max-body: 2048
            pool-size: 3
            host: 0.0.0.0
            max-clock-skew: 5m
            tls-cert: from-file.pem
            tls-key: from-file.key
            """);

    ServerCommand server =
        parse(
            Map.of(
                "FIELDSYNC_PORT", "2222",
                "FIELDSYNC_MAX_BODY", "4096",
                "FIELDSYNC_TLS_KEY", "from-env.key",
                "FIELDSYNC_BUSY_TIMEOUT", ""),
            "server",
            "--config",
            config.toString(),
            "--port",
            "3333");

    assertThat(server.port).as("flag over environment and file").isEqualTo(3333);
    assertThat(server.maxBody).as("environment over file").isEqualTo(4096);
    assertThat(server.tls.key)
        .as("environment over file, in a mixin")
        .isEqualTo(Path.of("from-env.key"));
    assertThat(server.poolSize).as("file over default").isEqualTo(3);
    assertThat(server.host).isEqualTo("0.0.0.0");
    assertThat(server.maxClockSkew).isEqualTo(Duration.ofMinutes(5));
    assertThat(server.tls.certificate).isEqualTo(Path.of("from-file.pem"));
    assertThat(server.busyTimeout).as("an empty variable is unset: the default").isEqualTo(10_000);
    assertThat(server.schema).as("default").isEqualTo(Path.of("schema.yaml"));
  }

  @Test
  void theFileCanBeNamedInTheEnvironment() throws Exception {
    Path config = file("port: 1111\n");

    assertThat(parse(Map.of("FIELDSYNC_CONFIG", config.toString()), "server").port).isEqualTo(1111);
    assertThat(parse(Map.of(), "server", "--config=" + config).port).isEqualTo(1111);
  }

  @Test
  void everyFlagHasAnEnvironmentVariableAndAKeyInTheFile() throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (OptionSpec option : settingFlags()) {
      yaml.append(ConfigDefaults.key(option.longestName())).append(": from-file\n");
    }
    Path config = file(yaml.toString());
    String[] args = {"server", "--config", config.toString()};
    CommandSpec spec = serverSpec();
    ConfigDefaults fileOnly = ConfigDefaults.load(spec, args, Map.of());

    for (OptionSpec option : settingFlags()) {
      String flag = option.longestName();
      String variable = "FIELDSYNC_" + flag.substring(2).toUpperCase().replace('-', '_');
      ConfigDefaults both = ConfigDefaults.load(spec, args, Map.of(variable, "from-env"));

      assertThat(fileOnly.defaultValue(option)).as(flag + " from the file").isEqualTo("from-file");
      assertThat(both.defaultValue(option)).as(flag + " from " + variable).isEqualTo("from-env");
      assertThat(both.source(flag)).isEqualTo("environment variable " + variable);
    }
    assertThat(settingFlags()).extracting(OptionSpec::longestName).contains("--db", "--tls-cert");
  }

  @Test
  void theConfigurationTableDocumentsEveryFlag() throws Exception {
    String doc = Files.readString(RepositoryFiles.find("docs/configuration.md"));

    for (OptionSpec option : settingFlags()) {
      String flag = option.longestName();
      assertThat(doc)
          .as("docs/configuration.md documents " + flag)
          .contains(
              "| `"
                  + flag
                  + "` | `"
                  + ConfigDefaults.environmentName(flag)
                  + "` | `"
                  + ConfigDefaults.key(flag)
                  + "` |");
    }
  }

  @Test
  void aBadValueFromTheEnvironmentOrTheFileNamesWhereItCameFrom() throws Exception {
    Path config = file("max-body: lots\n");

    CommandRun fromEnvironment = CommandRun.in(Map.of("FIELDSYNC_PORT", "abc"), "server");
    CommandRun fromFile = CommandRun.in(Map.of(), "server", "--config", config.toString());

    assertThat(fromEnvironment.exitCode()).isEqualTo(2);
    assertThat(fromEnvironment.err())
        .isEqualTo(
            "fieldsync: Invalid value for option '--port': 'abc' is not an int (from environment"
                + " variable FIELDSYNC_PORT)\n");
    assertThat(fromFile.exitCode()).isEqualTo(2);
    assertThat(fromFile.err())
        .isEqualTo(
            "fieldsync: Invalid value for option '--max-body': 'lots' is not an int (from key"
                + " 'max-body' of "
                + config
                + ")\n");
  }

  @Test
  void aFileThatIsNotAMappingOfFlagsToValuesIsRefusedNamingTheProblem() throws Exception {
    assertThat(CommandRun.in(Map.of(), "server", "--config", file("prot: 1\n").toString()).err())
        .startsWith(
            "fieldsync: configuration file "
                + dir.resolve("server.yaml")
                + ": unknown key 'prot'; the keys are the flags without dashes: [")
        .contains("port, ");
    assertThat(
            CommandRun.in(Map.of(), "server", "--config", file("port: [1, 2]\n").toString()).err())
        .isEqualTo(
            "fieldsync: configuration file "
                + dir.resolve("server.yaml")
                + ": key 'port' needs one value (a number, a word, true or false), found a list\n");
    assertThat(CommandRun.in(Map.of(), "server", "--config", file("- port\n").toString()).err())
        .isEqualTo(
            "fieldsync: configuration file "
                + dir.resolve("server.yaml")
                + " must be a mapping of flag names to values (port: 8787), found a list\n");
    CommandRun missing = CommandRun.in(Map.of(), "server", "--config", dir + "/none.yaml");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err())
        .isEqualTo("fieldsync: configuration file " + dir + "/none.yaml does not exist\n");
  }
}
