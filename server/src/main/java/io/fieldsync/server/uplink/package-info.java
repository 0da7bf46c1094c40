/**
 * Tiers: the uplink that makes a server a device of an upstream server ({@link
 * io.fieldsync.server.uplink.Uplink}; docs/tiers.md). {@code Uplink}, {@code UplinkSettings} and
 * {@code UplinkStatus} are public for the command and the tests; the rest is not API.
 */
package io.fieldsync.server.uplink;
