package io.fieldsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The bodies {@link BodyFuzzTest} found mishandled, each pinned with the exact answer, and the
 * store unchanged.
 */
class FuzzFindingsTest extends EndToEndTest {

  /**
   * A nested exception's class name ({@code BaseEncoding$DecodingException}) reached the answer.
   */
  @Test
  void aJsonPushWithBadBase64IdsIsRefusedWithoutAClassName() throws Exception {
    StoreDump before = StoreDump.of(server.database());
    HttpResponse<String> answer =
        server
            .raw()
            .postJson(
                "/v1/push",
                server.token("tablet-fuzz"),
                "{\"batchId\":\"b1\",\"packed\":{\"ids\":{\"uuids\":\"AQ\\u0018B\"}}}");
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"body is not a valid JSON PushRequest (55"
                + " bytes): Unrecognized character: 0x18\"}\n");
    assertThat(StoreDump.of(server.database())).isEqualTo(before);
  }
}
