package io.fieldsync.server.push;

import io.fieldsync.schema.Column;
import java.util.List;

/**
 * A field of a change, checked and converted to its canonical value.
 *
 * @param value the canonical value
 * @param sent the value as the device sent it (the device is told when the two differ)
 * @param hlc the field's stamp, capped by the skew guard
 */
record PreparedField(
    Column column,
    Object value,
    Object sent,
    long hlc,
    long delta,
    List<String> added,
    List<String> removed) {}
