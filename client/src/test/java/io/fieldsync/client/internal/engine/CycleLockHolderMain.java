package io.fieldsync.client.internal.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM for the cycle-lock tests (this module's and the testkit's): holds a database's cycle
 * lock until stdin closes.
 */
public final class CycleLockHolderMain {
  private CycleLockHolderMain() {}

  public static void main(String[] args) throws Exception {
    CycleLock lock = new CycleLock(Path.of(args[0]), Duration.ofSeconds(10));
    lock.lock();
    System.out.println("locked");
    System.out.flush();
    while (System.in.read() >= 0) {
      // hold until the parent closes our stdin
    }
    lock.unlock();
    lock.close();
  }
}
