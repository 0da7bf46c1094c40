package io.fieldsync.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Regression: stopping the server while devices keep idle HTTP connections alive logged "Idle
 * timeout expired" stack traces and took a second per stop.
 */
class ShutdownTest {
  @TempDir Path dir;

  @Test
  void closingWithKeptAliveIdleConnectionsLogsNoIdleTimeoutFailures() throws Exception {
    Logger jetty = (Logger) LoggerFactory.getLogger("org.eclipse.jetty");
    Logger fieldsync = (Logger) LoggerFactory.getLogger("io.fieldsync.server");
    Level previous = jetty.getLevel();
    Level previousFieldsync = fieldsync.getLevel();
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(events);
    jetty.setLevel(Level.DEBUG);
    fieldsync.setLevel(Level.INFO);
    try {
      TestServer server = Households.server(dir).start();
      try {
        RawHttp http = server.raw();
        HttpResponse<String> response = http.get("/v1/schema", server.token("d1"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(http.get("/v1/health", null).statusCode()).isEqualTo(200);
        assertThat(server.server().config().port()).isZero();
      } finally {
        server.close();
      }
    } finally {
      jetty.setLevel(previous);
      fieldsync.setLevel(previousFieldsync);
      root.detachAppender(events);
    }
    List<String> failures =
        events.list.stream()
            .filter(event -> mentionsIdleTimeout(event.getThrowableProxy()))
            .map(event -> event.getLevel() + " " + event.getLoggerName() + " " + event.getMessage())
            .toList();
    assertThat(failures).isEmpty();
    assertThat(events.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(message -> message.matches("fieldsync server on port \\d+ stopped"));
  }

  private static boolean mentionsIdleTimeout(IThrowableProxy throwable) {
    for (IThrowableProxy t = throwable; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("Idle timeout expired")) {
        return true;
      }
    }
    return false;
  }
}
