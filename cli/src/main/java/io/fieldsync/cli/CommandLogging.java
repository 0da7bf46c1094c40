package io.fieldsync.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.LoggerFactory;

/**
 * The command's logging: one line per event on standard error, Jetty and Hikari at WARN, the rest
 * at {@code FIELDSYNC_LOG_LEVEL} (a system property or environment variable; INFO by default). Set
 * up in code, found by Logback through {@code META-INF/services}, because reading a {@code
 * logback.xml} costs every start of the command a few hundred milliseconds of XML parsing and class
 * loading. A {@code -Dlogback.configurationFile} still takes over.
 *
 * <p>A line of a server request carries the request's id ({@code X-Request-Id}, MDC key {@code
 * request_id}) in brackets; {@link #useJson} switches to one JSON object per line, with the id
 * under {@code mdc}.
 */
public final class CommandLogging extends ContextAwareBase implements Configurator {
  /** The text line: time, level, logger, the request id when there is one, the message. */
  static final String TEXT_PATTERN =
      "%d{HH:mm:ss.SSS} %-5level %logger{0}%replace( [%X{request_id}]){' \\[\\]', ''} - %msg%n";

  private static final String APPENDER = "STDERR";

  /**
   * Writes every later log line as one JSON object (Logback's {@link JsonEncoder}): {@code
   * timestamp} (epoch milliseconds), {@code level}, {@code threadName}, {@code loggerName}, {@code
   * mdc} (with {@code request_id} in a request's lines), {@code formattedMessage} and, for a
   * failure, {@code throwable}. Does nothing when a {@code -Dlogback.configurationFile} took over.
   */
  static void useJson() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Appender<ILoggingEvent> appender =
        context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
    if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
      return;
    }
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    console.stop();
    console.setEncoder(encoder);
    console.start();
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(TEXT_PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(APPENDER);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(rootLevel(), Level.INFO));
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static String rootLevel() {
    String property = System.getProperty("FIELDSYNC_LOG_LEVEL");
    return property != null ? property : System.getenv("FIELDSYNC_LOG_LEVEL");
  }
}
