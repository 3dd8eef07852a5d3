import Foundation

/// A batch of rows prepared for insertion: ids checked and made canonical (lowercase UUID), times
/// rounded to the millisecond, and repeats of an id inside the batch reduced to the first one.
struct IngestBatch<Row: Sendable>: Sendable {
  /// Rows to insert, first occurrence of each id only, in batch order.
  var unique: [Row]
  /// Canonical ids of `unique`, same order.
  var ids: [UUID]
  /// Number of rows received, repeats included.
  var received: Int

  /// Checks and canonicalizes `rows`; `field` names the id field for error messages.
  init(
    _ rows: [Row], idField: String, id: (Row) -> String, canonical: (Row, String) -> Row
  ) throws(YieldStoreError) {
    var seen = Set<UUID>()
    var unique: [Row] = []
    var ids: [UUID] = []
    unique.reserveCapacity(rows.count)
    ids.reserveCapacity(rows.count)
    for (index, row) in rows.enumerated() {
      guard let (canonicalID, uuid) = UUIDText.parse(id(row)) else {
        throw YieldStoreError(
          code: .invalidRecord,
          message: "\(idField) '\(id(row))' is not a UUID (expected e.g. 3f2b8c1e-5d4a-4e1b-9c7d-2a6f0e8b1c3d)",
          recordIndex: index, field: idField)
      }
      if seen.insert(uuid).inserted {
        unique.append(canonical(row, canonicalID))
        ids.append(uuid)
      }
    }
    self.unique = unique
    self.ids = ids
    self.received = rows.count
  }
}

extension IngestBatch where Row == CycleRow {
  /// Prepares cycles.
  init(cycles: [CycleRow]) throws(YieldStoreError) {
    try self.init(cycles, idField: "cycle_id", id: \.cycleID) { row, id in
      var row = row
      row.cycleID = id
      row.startedAt = row.startedAt.roundedToMilliseconds
      row.endedAt = row.endedAt.roundedToMilliseconds
      return row
    }
  }
}

extension IngestBatch where Row == StateEventRow {
  /// Prepares state events.
  init(events: [StateEventRow]) throws(YieldStoreError) {
    try self.init(events, idField: "event_id", id: \.eventID) { row, id in
      var row = row
      row.eventID = id
      row.startedAt = row.startedAt.roundedToMilliseconds
      row.endedAt = row.endedAt.roundedToMilliseconds
      return row
    }
  }
}
