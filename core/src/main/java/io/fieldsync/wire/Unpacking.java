package io.fieldsync.wire;

import io.fieldsync.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * Expands the packed form back into ordinary changes and records, checking every count and index
 * first, so malformed input fails with a {@link ProtocolException} that names what is wrong.
 */
final class Unpacking {

  private Unpacking() {}

  static PushRequest unpack(PushRequest request) {
    String where = "PushRequest.packed";
    if (request.getChangesCount() > 0) {
      throw new ProtocolException(
          where + " and PushRequest.changes are both set; send one of them");
    }
    PackedChanges packed = request.getPacked();
    int count = packed.getTablesCount();
    requireCount(where, "ops", packed.getOpsCount(), count);
    requireCount(where, "base_seqs", packed.getBaseSeqsCount(), count);
    requireCount(where, "field_counts", packed.getFieldCountsCount(), count);
    int fields = totalFields(where, packed.getFieldCountsList());
    requireCount(where, "columns", packed.getColumnsCount(), fields);
    requireCount(where, "hlcs", packed.getHlcsCount(), (long) count + fields);
    requireCountOrNone(where, "deltas", packed.getDeltasCount(), fields);
    requireCountOrNone(where, "added_counts", packed.getAddedCountsCount(), fields);
    requireCountOrNone(where, "removed_counts", packed.getRemovedCountsCount(), fields);
    long elements = 0;
    for (int added : packed.getAddedCountsList()) {
      elements += Integer.toUnsignedLong(added);
    }
    for (int removed : packed.getRemovedCountsList()) {
      elements += Integer.toUnsignedLong(removed);
    }
    requireCount(where, "elements", packed.getElementsCount(), elements);
    List<String> ids = IdPlanes.read(where, packed.getIds(), count);
    ValueColumns.Reader values = new ValueColumns.Reader(where, packed.getValues(), fields);
    List<PackedTable> names = packed.getNamesList();
    List<Change> changes = new ArrayList<>(count);
    int field = 0;
    int hlcAt = 0;
    int elementAt = 0;
    long hlc = 0;
    long baseSeq = 0;
    for (int i = 0; i < count; i++) {
      hlc += packed.getHlcs(hlcAt++);
      baseSeq += packed.getBaseSeqs(i);
      PackedTable table = table(where, names, packed.getTables(i));
      Change.Builder change =
          Change.newBuilder()
              .setTable(table.getName())
              .setRecordId(ids.get(i))
              .setOpValue(packed.getOps(i))
              .setHlc(hlc)
              .setBaseSeq(baseSeq);
      for (int f = 0; f < packed.getFieldCounts(i); f++, field++) {
        hlc += packed.getHlcs(hlcAt++);
        int added = packed.getAddedCountsCount() == 0 ? 0 : packed.getAddedCounts(field);
        int removed = packed.getRemovedCountsCount() == 0 ? 0 : packed.getRemovedCounts(field);
        change.addFields(
            FieldChange.newBuilder()
                .setColumn(column(where, table, packed.getColumns(field)))
                .setValue(values.next())
                .setHlc(hlc)
                .setDelta(packed.getDeltasCount() == 0 ? 0 : packed.getDeltas(field))
                .addAllAdded(packed.getElementsList().subList(elementAt, elementAt + added))
                .addAllRemoved(
                    packed
                        .getElementsList()
                        .subList(elementAt + added, elementAt + added + removed)));
        elementAt += added + removed;
      }
      changes.add(change.build());
    }
    return request.toBuilder().clearPacked().addAllChanges(changes).build();
  }

  static PullResponse unpack(PullResponse response) {
    String where = "PullResponse.packed";
    if (response.getRecordsCount() > 0) {
      throw new ProtocolException(
          where + " and PullResponse.records are both set; send one of them");
    }
    PulledPage page = PulledPage.packed(where, response.getPacked());
    List<Record> records = new ArrayList<>(page.size());
    for (int i = 0; i < page.size(); i++) {
      records.add(page.record(i));
    }
    return response.toBuilder().clearPacked().addAllRecords(records).build();
  }

  static void requireCount(String where, String list, int found, long expected) {
    if (found != expected) {
      throw new ProtocolException(
          where + "." + list + " has " + found + " entries, expected " + expected);
    }
  }

  /** A list that would hold only zeros (or false) may be left empty. */
  static void requireCountOrNone(String where, String list, int found, long expected) {
    if (found != 0) {
      requireCount(where, list, found, expected);
    }
  }

  static int totalFields(String where, List<Integer> counts) {
    long total = 0;
    for (int count : counts) {
      total += Integer.toUnsignedLong(count);
    }
    if (total > Integer.MAX_VALUE) {
      throw new ProtocolException(where + ".field_counts add up to " + total + " fields");
    }
    return (int) total;
  }

  static PackedTable table(String where, List<PackedTable> names, int index) {
    if (index < 0 || index >= names.size()) {
      throw new ProtocolException(
          where
              + ".tables refers to table "
              + Integer.toUnsignedString(index)
              + ", but names has "
              + names.size());
    }
    return names.get(index);
  }

  static String column(String where, PackedTable table, int index) {
    if (index < 0 || index >= table.getColumnsCount()) {
      throw new ProtocolException(
          where
              + ".columns refers to column "
              + Integer.toUnsignedString(index)
              + " of table '"
              + table.getName()
              + "', which names "
              + table.getColumnsCount());
    }
    return table.getColumns(index);
  }
}
