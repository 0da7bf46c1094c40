/**
 * Pulls: {@link io.fieldsync.server.pull.PullService} answers one page after a cursor, {@link
 * io.fieldsync.server.pull.PullPages} serves pages and decides when a page {@link
 * io.fieldsync.server.pull.PullAhead} prepared is still the right answer. Not API.
 */
package io.fieldsync.server.pull;
