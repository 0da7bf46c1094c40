package io.fieldsync.wire;

import com.google.protobuf.Message;
import java.util.List;

/**
 * The packed form of the binary wire ({@link PackedChanges}, {@link PackedRecords}): the records of
 * a {@link PullResponse} or the changes of a {@link PushRequest} laid out in columns, ids as
 * 16-byte UUIDs, names as indexes, stamps and sequences as differences. The content is exactly the
 * same; the layout only lets zstd find what repeats. Codecs {@link #pack} before encoding and
 * {@link #unpack} after decoding; a device's pull reads a packed page in place through {@link
 * PulledPage} instead. Thread-safe (stateless).
 */
public final class Packing {
  private Packing() {}

  /** The request with its changes moved into {@code packed}; unchanged when there are none. */
  public static PushRequest pack(PushRequest request) {
    if (request.getChangesCount() == 0) {
      return request;
    }
    PackedNames names = new PackedNames();
    IdPlanes ids = new IdPlanes();
    ValueColumns.Writer values = new ValueColumns.Writer();
    PackedChanges.Builder packed = PackedChanges.newBuilder();
    long hlc = 0;
    long baseSeq = 0;
    for (Change change : request.getChangesList()) {
      PackedNames.Table table = names.of(change.getTable());
      packed.addTables(table.index);
      ids.add(change.getRecordId());
      packed.addOps(change.getOpValue());
      packed.addHlcs(change.getHlc() - hlc);
      hlc = change.getHlc();
      packed.addBaseSeqs(change.getBaseSeq() - baseSeq);
      baseSeq = change.getBaseSeq();
      packed.addFieldCounts(change.getFieldsCount());
      for (FieldChange field : change.getFieldsList()) {
        packed.addColumns(table.column(field.getColumn()));
        packed.addHlcs(field.getHlc() - hlc);
        hlc = field.getHlc();
        values.add(field.getValue());
        packed.addDeltas(field.getDelta());
        packed.addAddedCounts(field.getAddedCount());
        packed.addRemovedCounts(field.getRemovedCount());
        packed.addAllElements(field.getAddedList());
        packed.addAllElements(field.getRemovedList());
      }
    }
    packed.addAllNames(names.build()).setIds(ids.build()).setValues(values.build());
    if (allZero(packed.getDeltasList())) {
      packed.clearDeltas();
    }
    if (allZero(packed.getAddedCountsList()) && allZero(packed.getRemovedCountsList())) {
      packed.clearAddedCounts().clearRemovedCounts();
    }
    return request.toBuilder().clearChanges().setPacked(packed).build();
  }

  /** The response with its records moved into {@code packed}; unchanged when there are none. */
  public static PullResponse pack(PullResponse response) {
    if (response.getRecordsCount() == 0) {
      return response;
    }
    RecordsWriter writer = new RecordsWriter();
    for (Record record : response.getRecordsList()) {
      writer.record(
          record.getTable(),
          record.getRecordId(),
          record.getSeq(),
          record.getDeleted(),
          record.getAbsent(),
          record.getEvicted());
      for (Field field : record.getFieldsList()) {
        writer.field(field.getColumn(), field.getHlc(), field.getValue());
      }
    }
    return writer.into(response.toBuilder().clearRecords()).build();
  }

  /**
   * Writes records straight into the packed form, for a server that would otherwise build each
   * {@link Record} only to take it apart again: {@link #record} starts a record, {@link #field}
   * adds a field to the last one started. Not thread-safe.
   */
  public static final class RecordsWriter {
    private final PackedNames names = new PackedNames();
    private final IdPlanes ids = new IdPlanes();
    private final ValueColumns.Writer values = new ValueColumns.Writer();
    private final PackedRecords.Builder packed = PackedRecords.newBuilder();
    private PackedNames.Table table;
    private int records;
    private int fields = -1;
    private boolean anyFlag;
    private long seq;
    private long hlc;

    /** Starts a record; its fields follow. */
    public void record(
        String tableName,
        String id,
        long recordSeq,
        boolean deleted,
        boolean absent,
        boolean evicted) {
      endRecord();
      table = names.of(tableName);
      packed.addTables(table.index);
      ids.add(id);
      int flags = (deleted ? 1 : 0) | (absent ? 2 : 0) | (evicted ? 4 : 0);
      anyFlag |= flags != 0;
      packed.addFlags(flags);
      packed.addSeqs(recordSeq - seq);
      seq = recordSeq;
      fields = 0;
      records++;
    }

    /** Adds a field, its value in wire form, to the record last started. */
    public void field(String column, long fieldHlc, Value value) {
      startField(column, fieldHlc);
      values.add(value);
    }

    /** Adds a field, its value a canonical Java value ({@link Values#toWire}), to the record. */
    public void field(String column, long fieldHlc, Object value) {
      startField(column, fieldHlc);
      values.add(value);
    }

    /** How many records were started. */
    public int records() {
      return records;
    }

    /** Sets {@code response.packed} to what was written; the response unchanged when nothing. */
    public PullResponse.Builder into(PullResponse.Builder response) {
      if (records == 0) {
        return response;
      }
      endRecord();
      packed.addAllNames(names.build()).setIds(ids.build()).setValues(values.build());
      if (!anyFlag) {
        packed.clearFlags();
      }
      return response.setPacked(packed);
    }

    private void startField(String column, long fieldHlc) {
      if (fields < 0) {
        throw new IllegalStateException("a field needs a record: call record() first");
      }
      packed.addColumns(table.column(column));
      packed.addHlcs(fieldHlc - hlc);
      hlc = fieldHlc;
      fields++;
    }

    private void endRecord() {
      if (fields >= 0) {
        packed.addFieldCounts(fields);
        fields = -1;
      }
    }
  }

  /**
   * The message with any packed field expanded into the ordinary one; other messages are returned
   * as they are.
   *
   * @throws ProtocolException naming what is inconsistent in malformed packed input
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T unpack(T message) {
    if (message instanceof PushRequest request && request.hasPacked()) {
      return (T) Unpacking.unpack(request);
    }
    if (message instanceof PullResponse response && response.hasPacked()) {
      return (T) Unpacking.unpack(response);
    }
    return message;
  }

  /**
   * Splits a packed message into the part holding the 16-byte ids and the rest; null when it has no
   * such ids. The two serialized one after the other parse as the whole message (protobuf merges a
   * repeated sub-message), so {@link WireCodec} can compress each on its own.
   */
  static Message[] splitUuids(Message message) {
    if (message instanceof PullResponse response
        && !response.getPacked().getIds().getUuids().isEmpty()) {
      PackedIds ids = response.getPacked().getIds();
      return new Message[] {
        response.toBuilder()
            .setPacked(response.getPacked().toBuilder().setIds(ids.toBuilder().clearUuids()))
            .build(),
        PullResponse.newBuilder()
            .setPacked(
                PackedRecords.newBuilder().setIds(PackedIds.newBuilder().setUuids(ids.getUuids())))
            .build()
      };
    }
    if (message instanceof PushRequest request
        && !request.getPacked().getIds().getUuids().isEmpty()) {
      PackedIds ids = request.getPacked().getIds();
      return new Message[] {
        request.toBuilder()
            .setPacked(request.getPacked().toBuilder().setIds(ids.toBuilder().clearUuids()))
            .build(),
        PushRequest.newBuilder()
            .setPacked(
                PackedChanges.newBuilder().setIds(PackedIds.newBuilder().setUuids(ids.getUuids())))
            .build()
      };
    }
    return null;
  }

  private static boolean allZero(List<? extends Number> list) {
    for (Number number : list) {
      if (number.longValue() != 0) {
        return false;
      }
    }
    return true;
  }
}
