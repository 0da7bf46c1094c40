package io.fieldsync.store.jdbc;

import io.fieldsync.store.ReviewItem;
import java.util.List;
import java.util.Optional;

/** The review queue's reads, each in one snapshot transaction. Thread-safe. */
final class ReviewQueueReads {
  private final JdbcTransactions transactions;

  ReviewQueueReads(JdbcTransactions transactions) {
    this.transactions = transactions;
  }

  List<ReviewItem> reviewItems(String tenant, boolean all) {
    String sql =
        ReviewRows.SELECT
            + " WHERE tenant = ?"
            + (all ? "" : " AND status = 'open'")
            + " ORDER BY id";
    return transactions.read(
        "reading the review queue of tenant '" + tenant + "'",
        connection -> new Queries(connection).queryList(sql, ReviewRows::read, tenant));
  }

  Optional<ReviewItem> reviewItem(String tenant, long id) {
    return transactions.read(
        "reading review item " + id,
        connection ->
            new Queries(connection)
                    .queryList(
                        ReviewRows.SELECT + " WHERE tenant = ? AND id = ?",
                        ReviewRows::read,
                        tenant,
                        id)
                    .stream()
                    .findFirst());
  }
}
