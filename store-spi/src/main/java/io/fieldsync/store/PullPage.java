package io.fieldsync.store;

import java.util.List;

/**
 * One page of a pull.
 *
 * @param records ascending by sequence
 * @param sequence the tenant's highest committed sequence in the snapshot the page was read from
 */
public record PullPage(List<StoredRecord> records, long sequence) {
  public PullPage {
    records = List.copyOf(records);
  }
}
