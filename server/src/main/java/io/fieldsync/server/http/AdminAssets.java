package io.fieldsync.server.http;

import io.fieldsync.NotFoundException;
import io.fieldsync.server.MessageText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;

/**
 * The admin console's files, bundled in the jar: {@code /admin} answers its page, {@code
 * /admin/NAME} one of its scripts, styles or images. The files hold no data; the page reads the
 * tenant's data from {@code /v1/admin/...} with the token the person signs in with.
 */
final class AdminAssets {
  static final String PREFIX = "/admin";
  private static final String PAGE = "index.html";
  private static final String FOLDER = "/io/fieldsync/server/admin/console/";
  private static final Pattern NAME = Pattern.compile("[a-z0-9-]+\\.(html|js|css|svg)");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "svg", "image/svg+xml");

  /** The console runs only its own files and talks only to its own server. */
  private static final String POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

  static boolean serves(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
  }

  static void secure(HttpFields.Mutable headers) {
    headers.put("Content-Security-Policy", POLICY);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Referrer-Policy", "no-referrer");
  }

  Reply reply(String path) {
    String name = path.length() <= PREFIX.length() + 1 ? PAGE : path.substring(PREFIX.length() + 1);
    if (!NAME.matcher(name).matches()) {
      throw new NotFoundException(
          "no such file of the admin console: " + MessageText.abbreviate(name));
    }
    byte[] body = loaded.computeIfAbsent(name, AdminAssets::read);
    if (body.length == 0) {
      throw new NotFoundException("no such file of the admin console: " + name);
    }
    String extension = name.substring(name.lastIndexOf('.') + 1);
    return new Reply(200, TYPES.get(extension), null, body);
  }

  private static byte[] read(String name) {
    try (InputStream in = AdminAssets.class.getResourceAsStream(FOLDER + name)) {
      return in == null ? new byte[0] : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading the admin console's " + name, e);
    }
  }
}
