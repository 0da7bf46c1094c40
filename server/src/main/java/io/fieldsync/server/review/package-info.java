/** The review queue: listing parked edits and resolving them as ordinary changes. Not API. */
package io.fieldsync.server.review;
