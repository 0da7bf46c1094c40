package io.fieldsync.store;

/** Work done inside one store write transaction. */
@FunctionalInterface
public interface WriteWork<T> {
  T run(WriteTransaction transaction);
}
