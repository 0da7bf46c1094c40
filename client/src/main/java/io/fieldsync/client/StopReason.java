package io.fieldsync.client;

import io.fieldsync.AuthException;
import io.fieldsync.ConfigException;
import io.fieldsync.ConflictException;
import io.fieldsync.ProtocolException;
import io.fieldsync.StorageException;
import io.fieldsync.SyncException;

/** Why a failure stops the worker, in words a person reads (no Java class names). */
final class StopReason {
  private StopReason() {}

  static String of(SyncException e) {
    String kind;
    if (e instanceof AuthException) {
      kind = "not authorized";
    } else if (e instanceof ConfigException) {
      kind = "configuration problem";
    } else if (e instanceof ConflictException) {
      kind = "conflict";
    } else if (e instanceof StorageException) {
      kind = "local database failed";
    } else if (e instanceof ProtocolException) {
      kind = "refused";
    } else {
      kind = "failed";
    }
    return kind + ": " + e.getMessage();
  }
}
