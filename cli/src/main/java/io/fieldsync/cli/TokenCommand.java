package io.fieldsync.cli;

import com.google.gson.JsonObject;
import io.fieldsync.ConfigException;
import io.fieldsync.server.TokenSecret;
import io.fieldsync.server.TokenService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Device tokens.",
    subcommands = {TokenCommand.Create.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
  /** The server's {@code --secret-file} flag as an environment variable. */
  static final String SECRET_FILE_ENV = "FIELDSYNC_SECRET_FILE";

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

    private final Map<String, String> environment;

    Create(Map<String, String> environment) {
      this.environment = environment;
    }

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
        paramLabel = "FILE",
        description =
            "The server's secret (base64); or env "
                + SECRET_FILE_ENV
                + " naming the file, or env "
                + Secrets.SECRET_ENV
                + " holding the base64 text itself (default: "
                + Secrets.DEFAULT_FILE
                + ")")
    Path secretFile;

    @Override
    public Integer call() {
      String named = environment.get(SECRET_FILE_ENV);
      Path file =
          secretFile != null
              ? secretFile
              : named == null || named.isEmpty() ? null : Path.of(named);
      TokenSecret secret = new Secrets(environment).tokenSecret(file);
      if (secret == null) {
        throw new ConfigException(
            "no token secret: "
                + Secrets.secretFile(file)
                + " does not exist and "
                + Secrets.SECRET_ENV
                + " is not set; write one with `fieldsync server --init-secret` (the server makes"
                + " one for a new store too), or give the server's with --secret-file");
      }
      TokenService tokens = new TokenService(secret.bytes());
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
