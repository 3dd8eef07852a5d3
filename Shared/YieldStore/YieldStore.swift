import Foundation
import Logging
import YieldKPI

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
  /// Returns the counts and the rows newly stored (for metrics).
  func insertCyclesReportingNew(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError)
    -> (counts: IngestCounts, stored: [CycleRow])

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

  /// Checks the database answers (for readiness); throws `databaseUnavailable` when not.
  func ping(logger: Logger) async throws(YieldStoreError)

  /// What the KPIs need of every cycle matching `filter`, in no particular order (the KPI math in
  /// YieldKPI is the same for both backends, so percentiles and buckets agree exactly).
  func cycleFacts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [CycleFact]

  /// The cycles matching `filter` counted per group of `grouping` (a KPI row's worth of numbers per
  /// group), exactly as ``CycleTally/tallies(of:_:)`` counts their facts; in no particular order.
  /// PostgreSQL counts in the database; SQLite reads the facts and counts them in the process.
  func cycleTallies(_ filter: CycleFilter, _ grouping: CycleTally.Grouping, logger: Logger)
    async throws(YieldStoreError) -> [CycleTally]

  /// Failed cycles matching `filter` counted by failure code (outcome not ok, code present), for
  /// the Pareto: counted by the database, not read row by row.
  func failureCounts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [FailureCode: Int]

  /// The state events of `cells` (nil: every cell) that overlap `window`, unclipped.
  func stateIntervals(cells: [String]?, overlapping window: DateInterval, logger: Logger)
    async throws(YieldStoreError) -> [StateInterval]
}

/// The largest page `cycles(_:limit:after:logger:)` serves (docs/yield-api.md: max 10 000).
public let maximumPageLimit = 10_000

extension YieldStore {
  /// Stores the cycles whose `cycle_id` is new; the others count as duplicates and change nothing.
  public func insertCycles(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError) -> IngestCounts {
    try await insertCyclesReportingNew(cycles, logger: logger).counts
  }
}
