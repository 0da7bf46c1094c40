package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.server.SyncServer;
import io.fieldsync.server.uplink.Uplink;
import io.fieldsync.server.uplink.UplinkSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The flags that make the server a device of an upstream server (docs/tiers.md). */
final class UpstreamOptions {
  @Option(
      names = "--upstream",
      paramLabel = "URL",
      description =
          "An upstream fieldsync server (http://host:port or https://…): this server pushes what"
              + " its devices write there and pulls the rest of the tenant; needs"
              + " --upstream-token")
  String upstream;

  @Option(
      names = "--upstream-token",
      paramLabel = "TOKEN",
      description =
          "A device token of the upstream server for this server (its tenant is the one that"
              + " syncs upstream); or env FIELDSYNC_UPSTREAM_TOKEN")
  String token;

  /**
   * The upstream's base URI, or null when no upstream is configured.
   *
   * @throws ConfigException when only one of the two flags is given or the URL is not usable
   */
  URI uri() {
    boolean hasToken = token != null && !token.isBlank();
    if (upstream == null || upstream.isBlank()) {
      if (hasToken) {
        throw new ConfigException("--upstream-token was given without --upstream URL");
      }
      return null;
    }
    if (!hasToken) {
      throw new ConfigException(
          "--upstream "
              + upstream
              + " needs --upstream-token TOKEN (a device token the upstream server issued for this"
              + " server)");
    }
    URI uri;
    try {
      uri = new URI(upstream.strip());
    } catch (URISyntaxException e) {
      throw new ConfigException("--upstream '" + upstream + "' is not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new ConfigException(
          "--upstream '"
              + upstream
              + "' is not an http:// or https:// URL with a host (e.g. https://hq.example:8787)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(
          "--upstream '" + upstream + "' has a query or fragment; give the server's base URL");
    }
    return uri;
  }

  /**
   * Starts the uplink of {@code server} when an upstream is configured.
   *
   * @return the uplink, or null when there is no upstream
   * @throws ConfigException when the flags are wrong or the upstream refuses the token or schema
   */
  Uplink start(SyncServer server, URI uri) {
    if (uri == null) {
      return null;
    }
    HttpTransport transport =
        new HttpTransport(uri, token.strip(), Duration.ofSeconds(10), Duration.ofSeconds(60));
    return Uplink.start(server, transport, UplinkSettings.of(uri.toString(), System.nanoTime()));
  }
}
