import Logging

/// Where the yield service keeps cycles and state events: one contract, two backends
/// (``PostgresYieldStore`` for the plant, ``SQLiteYieldStore`` embedded), one test suite.
///
/// Every method throws ``YieldStoreError`` only. Writes are one transaction each: a batch is stored
/// whole or not at all, and a method returns only after commit.
public protocol YieldStore: Sendable {
  /// Applies the missing versioned migrations (table `schema_migrations(version, applied_at)`).
  /// Safe to call again, and from several processes at once: they serialize on a database lock.
  func migrate(logger: Logger) async throws(YieldStoreError)

  /// Stores the cycles whose `cycle_id` is new; the others count as duplicates and change nothing.
  func insertCycles(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError) -> IngestCounts

  /// Stores the state events whose `event_id` is new; the others count as duplicates.
  func insertStateEvents(_ events: [StateEventRow], logger: Logger) async throws(YieldStoreError)
    -> IngestCounts

  /// One page of matching cycles, newest first by (`ended_at`, `cycle_id`) descending, after the
  /// `after` cursor. `limit` must be 1 … ``maximumPageLimit``.
  func cycles(_ filter: CycleFilter, limit: Int, after: CyclePageCursor?, logger: Logger)
    async throws(YieldStoreError) -> CyclePage

  /// Every cell that reported a cycle, with its robots, stations and latest cycle, sorted by
  /// plant, line, cell.
  func cells(logger: Logger) async throws(YieldStoreError) -> [CellRow]
}

/// The largest page `cycles(_:limit:after:logger:)` serves (YIELD-API.md: max 10 000).
public let maximumPageLimit = 10_000
