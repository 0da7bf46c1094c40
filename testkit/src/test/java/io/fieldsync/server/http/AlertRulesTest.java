package io.fieldsync.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.Households;
import io.fieldsync.testkit.PrometheusText;
import io.fieldsync.testkit.PrometheusText.Sample;
import io.fieldsync.testkit.RepositoryFiles;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example alert rules of docs/operations.md ({@code packaging/prometheus}): promtool accepts
 * them, their unit tests pass, and every fieldsync series they name is one a real server exports.
 */
class AlertRulesTest {
  private static final Pattern FIELDSYNC_SERIES = Pattern.compile("\\bfieldsync_[a-z_]+");

  @TempDir Path dir;

  @Test
  void alertRulesPassPromtoolAndTheirUnitTests() {
    Path rules = RepositoryFiles.find("packaging/prometheus/fieldsync-alerts.yml");
    assertThat(PrometheusText.promtoolCheckRules(rules)).contains("SUCCESS: 10 rules found");
    assertThat(
            PrometheusText.promtoolTestRules(
                RepositoryFiles.find("packaging/prometheus/fieldsync-alerts.test.yml")))
        .contains("SUCCESS");
  }

  @Test
  void everyFieldsyncSeriesTheRulesNameIsExported() throws Exception {
    Path rules = RepositoryFiles.find("packaging/prometheus/fieldsync-alerts.yml");
    Set<String> named = new TreeSet<>();
    Matcher matcher = FIELDSYNC_SERIES.matcher(Files.readString(rules));
    while (matcher.find()) {
      named.add(matcher.group());
    }
    assertThat(named).contains("fieldsync_changes_total", "fieldsync_http_requests_seconds_bucket");
    try (TestServer server = Households.server(dir).start()) {
      // one request answered with an error, so that the error series exists
      assertThat(server.raw().get("/v1/no-such-path", null).statusCode()).isEqualTo(404);
      List<Sample> samples = PrometheusText.parse(server.raw().get("/metrics", null).body(), dir);
      Set<String> exported = samples.stream().map(Sample::name).collect(Collectors.toSet());
      assertThat(exported).containsAll(named);
    }
  }
}
