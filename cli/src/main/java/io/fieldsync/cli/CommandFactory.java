package io.fieldsync.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * Makes the commands, handing those that read the environment (secrets, passwords) the one the
 * command runs in, so tests can give each run an environment of its own.
 */
final class CommandFactory implements CommandLine.IFactory {
  private final Map<String, String> environment;

  CommandFactory(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public <K> K create(Class<K> type) throws Exception {
    if (type.equals(ServerCommand.class)) {
      return type.cast(new ServerCommand(environment));
    }
    if (type.equals(TokenCommand.Create.class)) {
      return type.cast(new TokenCommand.Create(environment));
    }
    return CommandLine.defaultFactory().create(type);
  }
}
