package io.fieldsync.client.internal.apply;

import io.fieldsync.order.ForeignKeyOrder;
import io.fieldsync.wire.PulledPage;
import java.util.ArrayList;
import java.util.List;

/** How the foreign-key order reads the records of a pulled page, named by their position. */
public final class PageOrder implements ForeignKeyOrder.Adapter<Integer> {
  private final PulledPage page;

  private PageOrder(PulledPage page) {
    this.page = page;
  }

  /** The positions of the page's records in the order they are written. */
  public static List<Integer> sorted(ForeignKeyOrder order, PulledPage page) {
    List<Integer> positions = new ArrayList<>(page.size());
    for (int i = 0; i < page.size(); i++) {
      positions.add(i);
    }
    return order.sort(positions, new PageOrder(page));
  }

  @Override
  public String table(Integer item) {
    return page.table(item);
  }

  @Override
  public String recordId(Integer item) {
    return page.recordId(item);
  }

  @Override
  public boolean isDelete(Integer item) {
    return page.deleted(item) || page.absent(item);
  }

  @Override
  public Object value(Integer item, String column) {
    int end = page.endField(item);
    for (int field = page.firstField(item); field < end; field++) {
      if (page.column(field).equals(column)) {
        return page.value(field);
      }
    }
    return null;
  }
}
