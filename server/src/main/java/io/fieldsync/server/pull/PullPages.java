package io.fieldsync.server.pull;

import io.fieldsync.ProtocolException;
import io.fieldsync.server.SchemaVersionCheck;
import io.fieldsync.server.TokenClaims;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;

/**
 * Answers pulls page by page, encoded as the caller asks: from the page {@link PullAhead} prepared
 * when it is still the right answer, else afresh; after a page with more to come it prepares the
 * next one. Thread-safe.
 *
 * @param <F> the answer format
 * @param <E> an encoded page
 */
public final class PullPages<F, E> implements AutoCloseable {
  /** How the caller encodes a page in a format. */
  public interface Encoding<F, E> {
    /** Whether pages in {@code format} carry their records packed. */
    boolean packs(F format);

    E encode(PullResponse response, F format);
  }

  /**
   * A pull's answer, encoded, with what the log and the metrics tell of it.
   *
   * @param prepared whether it was prepared ahead rather than computed for this request
   */
  public record Page<E>(
      E encoded, int records, long nextCursor, boolean hasMore, long sequence, boolean prepared) {}

  /** A pull as the server answers it: who asks, what, and in which format. */
  private record Key<F>(TokenClaims token, PullRequest request, F format) {}

  private final PullService pulls;
  private final SyncStore store;
  private final Encoding<F, E> encoding;

  /** Prepares the next page of multi-page pulls; null when turned off. */
  private final PullAhead<Key<F>, Page<E>> ahead;

  /**
   * @param aheadThreads threads preparing next pages; 0 turns preparing off
   */
  public PullPages(PullService pulls, SyncStore store, int aheadThreads, Encoding<F, E> encoding) {
    this.pulls = pulls;
    this.store = store;
    this.encoding = encoding;
    this.ahead =
        aheadThreads == 0 ? null : new PullAhead<>(aheadThreads, System::currentTimeMillis);
  }

  /**
   * The page after the request's cursor, in {@code format}.
   *
   * @throws ProtocolException when the request is malformed
   * @throws io.fieldsync.ResyncRequiredException when the device must take a snapshot
   */
  public Page<E> pull(TokenClaims token, PullRequest request, F format) {
    check(request);
    Key<F> key = new Key<>(token, request, format);
    String device = token.tenant() + '\u0000' + token.device();
    Page<E> page = ahead == null ? null : ahead.take(device, key);
    if (page != null
        && !page.hasMore()
        && store.currentSequence(token.tenant()) > page.sequence()) {
      // A last page ends the device's run at the sequence it was read at: after a commit since, a
      // fresh one ends the run at the head instead of a sync behind it.
      page = null;
    }
    if (page == null) {
      page = compute(key, false);
    }
    if (ahead != null && page.hasMore()) {
      Key<F> following =
          new Key<>(token, PullService.following(request, page.nextCursor()), format);
      ahead.prepare(device, following, () -> compute(following, true));
    }
    return page;
  }

  private void check(PullRequest request) {
    SchemaVersionCheck.require(pulls.schema(), "pull", request.getSchemaVersion());
    if (request.getSnapshotSequence() < 0) {
      throw new ProtocolException(
          "snapshot_sequence must not be negative, found " + request.getSnapshotSequence());
    }
  }

  private Page<E> compute(Key<F> key, boolean prepared) {
    boolean packed = key.request().getPacked() && encoding.packs(key.format());
    PullResponse result = pulls.pull(key.token(), key.request(), packed);
    return new Page<>(
        encoding.encode(result, key.format()),
        PullService.recordCount(result),
        result.getNextCursor(),
        result.getHasMore(),
        result.getSequence(),
        prepared);
  }

  /** The pages prepared ahead, or null when that is off. */
  public PullAhead<?, ?> ahead() {
    return ahead;
  }

  /** Stops preparing pages. */
  @Override
  public void close() {
    if (ahead != null) {
      ahead.close();
    }
  }
}
