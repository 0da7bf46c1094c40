package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option of a command that was not given on the command line takes its value from, for
 * every option the command declares (its mixins' included), so a new flag is covered without more
 * code: first the environment variable {@code FIELDSYNC_} + the flag's name in upper case with
 * dashes as underscores ({@code --max-body} → {@code FIELDSYNC_MAX_BODY}), then the key of the
 * flag's name without dashes in the YAML file of {@code --config} ({@code max-body: 1048576}), then
 * the option's own default. So: flag, environment, file, default.
 *
 * <p>The file is named by {@code --config FILE} on the command line or {@code FIELDSYNC_CONFIG}. A
 * key the command has no flag for is refused, naming the keys there are. Not thread-safe; made for
 * one run of the command.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
  static final String ENVIRONMENT_PREFIX = "FIELDSYNC_";
  static final String CONFIG_OPTION = "--config";
  private static final Pattern NAMED_OPTION = Pattern.compile("option '(--[a-z0-9-]+)'");

  private final Map<String, String> environment;
  private final Path file;
  private final Map<String, String> fileValues;
  private final Map<String, String> sources = new HashMap<>();

  private ConfigDefaults(Map<String, String> environment, Path file, Map<String, String> values) {
    this.environment = environment;
    this.file = file;
    this.fileValues = values;
  }

  /**
   * The defaults of {@code command} run with {@code args} in {@code environment}, reading the
   * configuration file now.
   *
   * @throws ConfigException when the file cannot be read, is not a YAML mapping of scalars, or
   *     names a key the command has no flag for
   */
  static ConfigDefaults load(CommandSpec command, String[] args, Map<String, String> environment) {
    Path file = configFile(args, environment);
    return new ConfigDefaults(
        environment, file, file == null ? Map.of() : read(file, flagKeys(command)));
  }

  /** {@code FIELDSYNC_} and the flag's name in upper case, dashes as underscores. */
  static String environmentName(String flag) {
    return ENVIRONMENT_PREFIX + key(flag).toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The flag's name without its leading dashes: its key in the configuration file. */
  static String key(String flag) {
    return flag.replaceFirst("^-+", "");
  }

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
      return null;
    }
    String flag = option.longestName();
    String variable = environmentName(flag);
    String fromEnvironment = environment.get(variable);
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      sources.put(flag, "environment variable " + variable);
      return fromEnvironment;
    }
    String fromFile = fileValues.get(key(flag));
    if (fromFile != null) {
      sources.put(flag, "key '" + key(flag) + "' of " + file);
      return fromFile;
    }
    return null;
  }

  /**
   * Where the value of {@code flag} came from when it was not the command line ({@code environment
   * variable FIELDSYNC_PORT}, {@code key 'port' of server.yaml}); null otherwise.
   */
  String source(String flag) {
    return sources.get(flag);
  }

  /**
   * Where the bad value a parse error is about came from, when that was the environment or the file
   * rather than the command line; null otherwise.
   */
  String sourceNamedIn(CommandLine.ParameterException exception) {
    if (exception.getArgSpec() instanceof OptionSpec option) {
      return source(option.longestName());
    }
    Matcher named = NAMED_OPTION.matcher(String.valueOf(exception.getMessage()));
    return named.find() ? source(named.group(1)) : null;
  }

  private static Path configFile(String[] args, Map<String, String> environment) {
    for (int index = 0; index < args.length; index++) {
      if (args[index].equals(CONFIG_OPTION) && index + 1 < args.length) {
        return Path.of(args[index + 1]);
      }
      if (args[index].startsWith(CONFIG_OPTION + "=")) {
        return Path.of(args[index].substring(CONFIG_OPTION.length() + 1));
      }
    }
    String named = environment.get(environmentName(CONFIG_OPTION));
    return named == null || named.isEmpty() ? null : Path.of(named);
  }

  private static TreeSet<String> flagKeys(CommandSpec command) {
    TreeSet<String> keys = new TreeSet<>();
    for (OptionSpec option : command.options()) {
      if (!option.usageHelp()
          && !option.versionHelp()
          && !option.longestName().equals(CONFIG_OPTION)) {
        keys.add(key(option.longestName()));
      }
    }
    return keys;
  }

  private static Map<String, String> read(Path file, TreeSet<String> keys) {
    Object document;
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (NoSuchFileException e) {
      throw new ConfigException("configuration file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
    } catch (YAMLException e) {
      throw new ConfigException(
          "configuration file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
    if (document == null) {
      return Map.of();
    }
    if (!(document instanceof Map<?, ?> entries)) {
      throw new ConfigException(
          "configuration file "
              + file
              + " must be a mapping of flag names to values (port: 8787), found a "
              + describe(document));
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : entries.entrySet()) {
      String key = String.valueOf(entry.getKey());
      if (!keys.contains(key)) {
        throw new ConfigException(
            "configuration file "
                + file
                + ": unknown key '"
                + key
                + "'; the keys are the flags without dashes: "
                + keys);
      }
      Object value = entry.getValue();
      if (value == null || value instanceof Map || value instanceof List) {
        throw new ConfigException(
            "configuration file "
                + file
                + ": key '"
                + key
                + "' needs one value (a number, a word, true or false), found "
                + (value == null ? "none" : "a " + describe(value)));
      }
      values.put(key, String.valueOf(value));
    }
    return values;
  }

  private static String describe(Object value) {
    return value instanceof Map ? "mapping" : value instanceof List ? "list" : "single value";
  }
}
