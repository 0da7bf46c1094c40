package io.fieldsync.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM holding many idle live channels, so that the server's memory per connected device
 * is measured without the devices' own memory in the same heap. Arguments: the {@code ws://}
 * address of {@code /v1/live} and a file with one token per line. Prints {@code open N} once every
 * socket is open, then holds them until standard input closes.
 */
public final class IdleLiveDevices {
  private IdleLiveDevices() {}

  public static void main(String[] args) throws Exception {
    URI live = URI.create(args[0]);
    List<String> tokens = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<WebSocket>> opening = new ArrayList<>(tokens.size());
    WebSocket.Listener ignore = new WebSocket.Listener() {};
    for (String token : tokens) {
      opening.add(
          http.newWebSocketBuilder()
              .header("Authorization", "Bearer " + token)
              .buildAsync(live, ignore));
      if (opening.size() % 100 == 0) {
        // Opening in waves keeps the server's accept queue short.
        CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
            .get(60, TimeUnit.SECONDS);
      }
    }
    CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    System.out.println("open " + opening.size());
    System.out.flush();
    try (BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (stdin.readLine() != null) {
        // held open until the parent closes our standard input
      }
    }
    for (CompletableFuture<WebSocket> socket : opening) {
      socket.get().abort();
    }
  }
}
