package io.fieldsync.bench.load;

import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Values;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * What a device's user does, drawn from the device's seeded random: records a new visit (45%),
 * edits the summary of one of the device's own visits (25%), counts visits at a shared household
 * (an increment of its {@code sum} counter and a value for its {@code max} column, 25%), or deletes
 * one of the device's own visits (5%). A device turns each write into wire changes or SQL; {@link
 * Write#record} notes it in the model. Not thread-safe: one per device.
 */
final class UserWrites {
  /** One write of a user. */
  sealed interface Write {
    /** Notes the write in the model of what every replica must hold. */
    void record(LoadModel model, String tenant);
  }

  record NewVisit(String id, Map<String, Object> values) implements Write {
    @Override
    public void record(LoadModel model, String tenant) {
      model.insert(tenant, "visits", id, values);
    }
  }

  record EditSummary(String id, String summary) implements Write {
    @Override
    public void record(LoadModel model, String tenant) {
      model.set(tenant, "visits", id, "summary", summary);
    }
  }

  record CountVisits(String household, long delta, long members) implements Write {
    @Override
    public void record(LoadModel model, String tenant) {
      model.add(tenant, "households", household, "visit_count", delta);
      model.raise(tenant, "households", household, "members", members);
    }
  }

  record DeleteVisit(String id) implements Write {
    @Override
    public void record(LoadModel model, String tenant) {
      model.delete(tenant, "visits", id);
    }
  }

  private final String device;
  private final List<String> households;
  private final SplittableRandom random;
  private final List<String> visits = new ArrayList<>();
  private int written;

  UserWrites(String device, List<String> households, SplittableRandom random) {
    this.device = device;
    this.households = List.copyOf(households);
    this.random = random;
  }

  /** The user's next write. */
  Write next() {
    int draw = random.nextInt(100);
    if (draw < 45 || visits.isEmpty()) {
      String id = new UUID(random.nextLong(), random.nextLong()).toString();
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("household_id", households.get(random.nextInt(households.size())));
      values.put("visited_at", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
      values.put("visitor", device);
      values.put("summary", device + " note " + (++written));
      values.put("follow_up", random.nextBoolean());
      visits.add(id);
      return new NewVisit(id, values);
    }
    if (draw < 70) {
      return new EditSummary(
          visits.get(random.nextInt(visits.size())), device + " note " + (++written));
    }
    if (draw < 95) {
      return new CountVisits(
          households.get(random.nextInt(households.size())),
          1 + random.nextInt(3),
          1 + random.nextInt(40));
    }
    return new DeleteVisit(visits.remove(random.nextInt(visits.size())));
  }

  /** One field of a pushed change, stamped {@code hlc}. */
  static FieldChange field(String column, Object value, long hlc) {
    return FieldChange.newBuilder()
        .setColumn(column)
        .setValue(Values.toWire(value))
        .setHlc(hlc)
        .build();
  }
}
