package io.fieldsync.store.jdbc;

import java.util.LinkedHashMap;
import java.util.Map;

/** Per device, the line below which its tokens are refused ({@code _fs_revoked}). Thread-safe. */
final class DeviceRevocations {
  private final JdbcTransactions transactions;

  DeviceRevocations(JdbcTransactions transactions) {
    this.transactions = transactions;
  }

  void revokeDevice(String tenant, String device, long issuedUpToSeconds) {
    transactions.writeAlone(
        "revoking the tokens of device '" + device + "'",
        connection -> {
          // A later revocation never moves the line back: tokens refused stay refused.
          new Queries(connection)
              .update(
                  "INSERT INTO _fs_revoked (tenant, device, issued_up_to) VALUES (?, ?, ?)"
                      + " ON CONFLICT (tenant, device) DO UPDATE SET issued_up_to ="
                      + " excluded.issued_up_to"
                      + " WHERE _fs_revoked.issued_up_to < excluded.issued_up_to",
                  tenant,
                  device,
                  issuedUpToSeconds);
          return null;
        });
  }

  Map<String, Long> revokedDevices(String tenant) {
    return transactions.read(
        "reading the revoked devices of tenant '" + tenant + "'",
        connection -> {
          Map<String, Long> result = new LinkedHashMap<>();
          for (Map.Entry<String, Long> revoked :
              new Queries(connection)
                  .queryList(
                      "SELECT device, issued_up_to FROM _fs_revoked WHERE tenant = ? ORDER BY device",
                      row -> Map.entry(row.getString(1), row.getLong(2)),
                      tenant)) {
            result.put(revoked.getKey(), revoked.getValue());
          }
          return result;
        });
  }
}
