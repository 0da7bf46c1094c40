package io.fieldsync.store;

import java.util.List;
import java.util.Optional;

/**
 * Reads the review queue: conflicts parked for a person to decide. Items are parked and resolved
 * inside a push or review write ({@link WriteTransaction#park}, {@link
 * WriteTransaction#resolveReview}). Thread-safe.
 */
public interface ReviewQueueStore {

  /** Review queue items of the tenant, oldest first; only open ones unless {@code all}. */
  List<ReviewItem> reviewItems(String tenant, boolean all);

  /** One review queue item by id. */
  Optional<ReviewItem> reviewItem(String tenant, long id);
}
