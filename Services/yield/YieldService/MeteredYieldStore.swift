import Foundation
import Logging
import Prometheus
import YieldKPI
import YieldStore

/// A store that counts its operations in flight (`workcell_yield_db_operations_in_flight`), each
/// of which holds one database connection.
struct MeteredYieldStore: YieldStore {
  let base: any YieldStore
  let inFlight: Gauge

  private func metered<T>(_ body: () async throws(YieldStoreError) -> T) async throws(YieldStoreError) -> T {
    inFlight.increment()
    defer { inFlight.decrement() }
    return try await body()
  }

  func migrate(logger: Logger) async throws(YieldStoreError) {
    try await metered { () async throws(YieldStoreError) in try await base.migrate(logger: logger) }
  }
  func insertCyclesReportingNew(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError)
    -> (counts: IngestCounts, stored: [CycleRow])
  {
    try await metered { () async throws(YieldStoreError) in try await base.insertCyclesReportingNew(cycles, logger: logger) }
  }
  func insertStateEvents(_ events: [StateEventRow], logger: Logger) async throws(YieldStoreError) -> IngestCounts {
    try await metered { () async throws(YieldStoreError) in try await base.insertStateEvents(events, logger: logger) }
  }
  func cycles(_ filter: CycleFilter, limit: Int, after: CyclePageCursor?, logger: Logger) async throws(YieldStoreError)
    -> CyclePage
  {
    try await metered { () async throws(YieldStoreError) in try await base.cycles(filter, limit: limit, after: after, logger: logger) }
  }
  func cells(logger: Logger) async throws(YieldStoreError) -> [CellRow] {
    try await metered { () async throws(YieldStoreError) in try await base.cells(logger: logger) }
  }
  func ping(logger: Logger) async throws(YieldStoreError) {
    try await metered { () async throws(YieldStoreError) in try await base.ping(logger: logger) }
  }
  func cycleFacts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [CycleFact] {
    try await metered { () async throws(YieldStoreError) in try await base.cycleFacts(filter, logger: logger) }
  }
  func cycleTallies(_ filter: CycleFilter, _ grouping: CycleTally.Grouping, logger: Logger)
    async throws(YieldStoreError) -> [CycleTally]
  {
    try await metered { () async throws(YieldStoreError) in try await base.cycleTallies(filter, grouping, logger: logger) }
  }
  func failureCounts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [FailureCode: Int] {
    try await metered { () async throws(YieldStoreError) in try await base.failureCounts(filter, logger: logger) }
  }
  func stateIntervals(cells: [String]?, overlapping window: DateInterval, logger: Logger) async throws(YieldStoreError)
    -> [StateInterval]
  {
    try await metered { () async throws(YieldStoreError) in
      try await base.stateIntervals(cells: cells, overlapping: window, logger: logger)
    }
  }
}
