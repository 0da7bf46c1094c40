/**
 * The HTTP edge of the server: {@link io.fieldsync.server.http.SyncHandler} takes each request,
 * {@link io.fieldsync.server.http.Router} sends it to its endpoint (method, token, body via {@link
 * io.fieldsync.server.http.RequestBody}) and on to the domain services, and {@link
 * io.fieldsync.server.http.FailureReplies} is the one place a failure becomes a status and a JSON
 * error. The live channel ({@code /v1/live}) is here too. Not API: classes are public only for the
 * server's wiring.
 */
package io.fieldsync.server.http;
