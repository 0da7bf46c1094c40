package io.fieldsync.cli;

import com.google.gson.JsonObject;
import io.fieldsync.server.TokenService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Device tokens.",
    subcommands = {TokenCommand.Create.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Mints a signed token from the server's secret and prints it.")
  static final class Create implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--tenant", required = true, description = "Tenant the token is for")
    String tenant;

    @Option(names = "--device", required = true, description = "Device id")
    String device;

    @Option(names = "--user", description = "User name (optional)")
    String user;

    @Option(names = "--role", description = "Role, e.g. admin for the review queue (optional)")
    String role;

    @Option(
        names = "--scope",
        description =
            "Row scope, column:value (region:north) or a bare value; repeat for several."
                + " None: the token sees the whole tenant.")
    List<String> scopes;

    @Option(
        names = "--ttl",
        defaultValue = "30d",
        converter = Durations.class,
        description = "Lifetime (default: ${DEFAULT-VALUE})")
    Duration ttl;

    @Option(
        names = "--secret-file",
        defaultValue = Secrets.DEFAULT_FILE,
        description =
            "The server's secret; env FIELDSYNC_SECRET overrides (default: ${DEFAULT-VALUE})")
    Path secretFile;

    @Override
    public Integer call() {
      TokenService tokens = new TokenService(Secrets.load(secretFile, false));
      spec.commandLine().getOut().println(tokens.mint(tenant, device, user, role, scopes, ttl));
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description =
          "Refuses every token of a device issued until now, on every server node (within 2 s);"
              + " a token minted afterwards enrolls the device again.")
  static final class Revoke implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--device", required = true, description = "Device id whose tokens to refuse")
    String device;

    @picocli.CommandLine.ArgGroup(exclusive = false)
    ReviewCommand.Connection connection = new ReviewCommand.Connection();

    @Override
    public Integer call() {
      JsonObject answer = connection.client().revoke(device).getAsJsonObject();
      spec.commandLine()
          .getOut()
          .println(
              "revoked the tokens of device "
                  + answer.get("device").getAsString()
                  + " (tenant "
                  + answer.get("tenant").getAsString()
                  + ") issued up to "
                  + answer.get("issued_up_to").getAsString());
      return 0;
    }
  }
}
