/**
 * Where a pushed change gets decided, read top down from {@link
 * io.fieldsync.server.push.PushService}: request checks, the batch ledger (replay of a batch id
 * already committed), validation of every change, then in one store transaction the commit ({@link
 * io.fieldsync.server.push.BatchCommit}), per-field resolution through the shared conflict code
 * ({@link io.fieldsync.server.push.FieldResolver}), the parent-delete rules ({@link
 * io.fieldsync.server.push.ParentDeleteRules}) and the journal ({@link
 * io.fieldsync.server.push.BatchJournal}). Not API.
 */
package io.fieldsync.server.push;
