package io.fieldsync;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.SyncException.Reason;
import org.junit.jupiter.api.Test;

/** Each kind of failure names its reason in the protocol's words and says whether to retry. */
class SyncExceptionTest {

  @Test
  void eachFailureNamesItsReasonAndWhetherRetryingHelps() {
    assertReason(new ProtocolException("bad"), Reason.BAD_REQUEST, "bad_request", false);
    assertReason(new AuthException("who"), Reason.UNAUTHORIZED, "unauthorized", false);
    assertReason(AuthException.forbidden("no"), Reason.FORBIDDEN, "forbidden", false);
    assertReason(new NotFoundException("gone"), Reason.NOT_FOUND, "not_found", false);
    assertReason(new ConflictException("taken"), Reason.CONFLICT, "conflict", false);
    assertReason(
        new ResyncRequiredException("old", 7), Reason.RESYNC_REQUIRED, "resync_required", false);
    assertReason(new StorageException("busy"), Reason.UNAVAILABLE, "unavailable", true);
    assertReason(new StorageException("broken", null, false), Reason.INTERNAL, "internal", false);
    assertReason(new TransportException("cut"), Reason.UNAVAILABLE, "unavailable", true);
    assertReason(new ConfigException("typo"), Reason.INTERNAL, "internal", false);
  }

  @Test
  void aResyncKeepsTheDevicesLastCommittedBatchAndIsAProtocolRefusal() {
    ResyncRequiredException restored = new ResyncRequiredException("restored", 12);
    assertThat(restored.lastDeviceBatch()).isEqualTo(12);
    assertThat(restored).isInstanceOf(ProtocolException.class);
    assertThat(new ResyncRequiredException("purged").lastDeviceBatch()).isZero();
  }

  @Test
  void aForbiddenTokenIsStillAnAuthFailureWithItsMessage() {
    AuthException forbidden = AuthException.forbidden("needs role 'admin'");
    assertThat(forbidden).hasMessage("needs role 'admin'").hasNoCause();
  }

  private static void assertReason(
      SyncException failure, Reason reason, String code, boolean retriable) {
    assertThat(failure.reason()).as(failure.getClass().getSimpleName()).isEqualTo(reason);
    assertThat(failure.reason().code()).isEqualTo(code);
    assertThat(failure.isRetriable()).as(failure.getClass().getSimpleName()).isEqualTo(retriable);
  }
}
