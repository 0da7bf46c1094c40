package io.fieldsync.client.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theMessageWinsOverTheErrorCodeAndEscapesAreRead() {
    assertThat(
            HttpTransport.errorMessage(bytes("{\"error\":\"bad\",\"message\":\"a \\\"b\\\"\\n\"}")))
        .isEqualTo("a \"b\"\n");
    assertThat(HttpTransport.errorMessage(bytes("{\"error\":\"bad_request\"}")))
        .isEqualTo("bad_request");
  }

  @Test
  void aResyncAnswerCarriesTheServersLastDeviceBatch() {
    assertThat(
            HttpTransport.lastDeviceBatch(
                bytes("{\"error\":\"resync_required\",\"last_device_batch\":42}")))
        .isEqualTo(42);
    assertThat(HttpTransport.lastDeviceBatch(bytes("{\"error\":\"resync_required\"}"))).isZero();
    assertThat(HttpTransport.lastDeviceBatch(bytes("<html>gone</html>"))).isZero();
  }

  @Test
  void aPokeIsReadFromItsJsonAndAnythingElseIsIgnored() {
    assertThat(HttpLiveSocket.sequence("{\"sequence\":17}")).isEqualTo(17L);
    assertThat(HttpLiveSocket.sequence("{ \"sequence\" : 5, \"tenant\": \"t\" }")).isEqualTo(5L);
    assertThat(HttpLiveSocket.sequence("{\"ping\":true}")).isNull();
    assertThat(HttpLiveSocket.sequence("not json")).isNull();
  }
}
