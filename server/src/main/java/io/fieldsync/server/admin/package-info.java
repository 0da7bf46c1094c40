/**
 * The admin console ({@code /admin}) and the JSON it reads ({@code /v1/admin/...}): devices and
 * what each last did, a record's history from the journal, and an overview of the tenant's traffic.
 * Not API: classes are public only for the server's wiring.
 */
package io.fieldsync.server.admin;
