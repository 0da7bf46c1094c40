package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.member;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static io.fieldsync.testkit.FieldSurvey.vaccination;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.store.SyncStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pull of a table scoped through a parent costs the store: the pages, and nothing per
 * record. Each record carries the scope it inherits, so no parent is looked up to place it.
 */
class ScopeThroughParentsPullTest {
  @TempDir Path dir;

  /** A store that counts the calls made to it by method name, and forwards them. */
  private static SyncStore counting(SyncStore store, Map<String, Integer> calls) {
    return (SyncStore)
        Proxy.newProxyInstance(
            SyncStore.class.getClassLoader(),
            new Class<?>[] {SyncStore.class},
            (proxy, method, args) -> {
              calls.merge(method.getName(), 1, Integer::sum);
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aScopedDevicePullsPagesAndLooksUpNoParentOfTheRecordsInThem() {
    Map<String, Integer> calls = new ConcurrentHashMap<>();
    try (TestServer server =
        TestServer.builder(dir)
            .schema(FieldSurvey.withScopedChildren())
            .wrapStore(0, store -> counting(store, calls))
            .start()) {
      TestDevice office = server.device("office-pc");
      List<String> writes = new ArrayList<>();
      writes.add(household(uuid(1), "north", "North"));
      writes.add(household(uuid(2), "south", "South"));
      for (int n = 0; n < 40; n++) {
        writes.add(member(uuid(100 + n), uuid(1 + n % 2), "M" + n, n));
        writes.add(vaccination(uuid(200 + n), uuid(100 + n), "polio", 1));
      }
      office.sql(writes.toArray(new String[0]));
      office.sync();
      TestDevice tablet =
          server.device(
              "tablet-north",
              builder ->
                  builder
                      .token(server.scopedToken("tablet-north", List.of("region:north")))
                      .pullPageSize(7));
      calls.clear();

      tablet.sync();

      assertThat(tablet.snapshot().rows("members")).hasSize(20);
      assertThat(tablet.snapshot().rows("vaccinations")).hasSize(20);
      assertThat(calls).as("store calls of the device's sync").containsKey("pull");
      assertThat(calls)
          .as("store calls of the device's sync: no record looked up by id")
          .doesNotContainKeys("records", "write");
    }
  }
}
