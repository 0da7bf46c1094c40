package io.fieldsync.client.internal.engine;

import io.fieldsync.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most one sync cycle per device database, across threads, client instances and processes (the
 * app's worker, a {@code fieldsync client sync} in a shell, a second app instance). Threads of one
 * client queue on a lock; everyone else is kept out by an OS file lock on {@code DB-fieldsync.lock}
 * next to the database, released by the OS if the holder dies. The lock file is left in place:
 * deleting it would let two holders lock two different files.
 */
public final class CycleLock {
  static final String SUFFIX = "-fieldsync.lock";
  private static final long POLL_MILLIS = 20;

  private final ReentrantLock local = new ReentrantLock();
  private final Path database;
  private final Path file;
  private final Duration wait;
  private FileChannel channel;
  private FileLock held;

  public CycleLock(Path database, Duration wait) {
    this.database = database;
    this.file = database.resolveSibling(database.getFileName() + SUFFIX);
    this.wait = wait;
  }

  /** The lock of this client alone (closing needs no cycle). */
  public ReentrantLock local() {
    return local;
  }

  /**
   * Takes the cycle, waiting up to the configured time for another holder to finish.
   *
   * @throws StorageException (retriable) when another process or client still holds it
   */
  public void lock() {
    local.lock();
    if (local.getHoldCount() > 1) {
      return;
    }
    try {
      acquireFile();
    } catch (RuntimeException e) {
      local.unlock();
      throw e;
    }
  }

  public void unlock() {
    try {
      if (local.getHoldCount() == 1) {
        releaseFile();
      }
    } finally {
      local.unlock();
    }
  }

  private void acquireFile() {
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      if (channel == null || !channel.isOpen()) {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      }
      while (true) {
        try {
          held = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          held = null; // another client of this JVM holds it
        }
        if (held != null) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new StorageException(
              "another process or client is syncing "
                  + database
                  + " (it holds "
                  + file
                  + "); waited "
                  + wait.getSeconds()
                  + " s, try again when it is done");
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (IOException e) {
      throw new StorageException("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while waiting for " + file, e);
    }
  }

  private void releaseFile() {
    FileLock lock = held;
    held = null;
    if (lock != null) {
      try {
        lock.release();
      } catch (IOException e) {
        throw new StorageException("cannot unlock " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** Closes the lock file's channel (the client is closing). */
  public void close() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      throw new StorageException("cannot close " + file + ": " + e.getMessage(), e);
    }
  }
}
