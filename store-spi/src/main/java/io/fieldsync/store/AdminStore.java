package io.fieldsync.store;

import java.util.List;

/** What the admin console reads, and the device activity nodes record for it. */
public interface AdminStore {

  /**
   * Records what nodes saw: each device's row is replaced by the newer of the two (by last seen, a
   * live channel's sighting kept); each minute's count is added to what other nodes recorded.
   */
  void saveActivity(List<DeviceActivity> devices, List<TrafficMinute> minutes);

  /**
   * The tenant's devices: each that was seen, pushed, or was revoked, by device id. Fields the
   * store never learned are 0, -1 or null as {@link DeviceActivity} says.
   */
  List<DeviceActivity> devices(String tenant);

  /** Every journal entry of one record, oldest first, at most {@code limit}. */
  List<JournalEntry> recordHistory(String tenant, String table, String recordId, int limit);

  /** The latest journal entries decided other than applied (merged, kept, parked, rejected). */
  List<JournalEntry> recentDecisions(String tenant, int limit);

  /** The tenant's traffic counts from {@code sinceMinute} on, every node's summed. */
  List<TrafficMinute> traffic(String tenant, long sinceMinute);
}
