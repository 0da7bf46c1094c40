/**
 * {@code /v1/verify} and {@code /v1/records}: finding and repairing a device's stray rows. Not API.
 */
package io.fieldsync.server.recovery;
