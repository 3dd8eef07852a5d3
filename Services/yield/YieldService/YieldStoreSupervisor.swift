import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import YieldKPI
import YieldStore

/// Keeps the database in shape while the service runs: applies migrations at start (retrying
/// until the database answers), creates PostgreSQL partitions ahead every hour, checks the
/// database every few seconds for `/readyz`, and refreshes the current shift's OEE gauges.
final class YieldStoreSupervisor: Service, Sendable {
  enum State: Sendable, Equatable {
    case starting
    case ready
    case unavailable(String)
  }

  let store: any YieldStore
  let postgres: PostgresYieldStore?
  let queries: YieldQueries
  let kpiRefresh: Duration
  let logger: Logger
  /// Runs once the servers have stopped (the embedded SQLite file is closed here).
  let onStop: @Sendable () async -> Void
  private let state = Mutex(State.starting)

  init(
    store: any YieldStore, postgres: PostgresYieldStore?, queries: YieldQueries, kpiRefresh: Duration, logger: Logger,
    onStop: @escaping @Sendable () async -> Void = {}
  ) {
    self.onStop = onStop
    self.store = store
    self.postgres = postgres
    self.queries = queries
    self.kpiRefresh = kpiRefresh
    self.logger = logger
  }

  /// Nil when the database is migrated and answering, else why not.
  var readinessProblem: String? {
    switch state.withLock({ $0 }) {
    case .ready: nil
    case .starting: "database migrations not applied yet"
    case .unavailable(let reason): reason
    }
  }

  func run() async throws {
    // Background services stop after the servers, so no request is using the store any more.
    do {
      try await supervise()
    } catch {
      await onStop()
      throw error
    }
    await onStop()
  }

  private func supervise() async throws {
    await cancelWhenGracefulShutdown {
      await self.migrateUntilDone()
      var lastPartitions = ContinuousClock.now
      var lastKPI = ContinuousClock.now - .seconds(3600)
      while !Task.isCancelled {
        await self.checkDatabase()
        if let postgres = self.postgres, ContinuousClock.now - lastPartitions >= .seconds(3600) {
          lastPartitions = .now
          do {
            try await postgres.ensurePartitions(logger: self.logger)
          } catch {
            self.logger.error("could not create partitions ahead", metadata: ["error": "\(error)"])
          }
        }
        if self.kpiRefresh > .zero, ContinuousClock.now - lastKPI >= self.kpiRefresh {
          lastKPI = .now
          await self.refreshShiftKPIs()
        }
        try? await Task.sleep(for: .seconds(5))
      }
    }
  }

  private func migrateUntilDone() async {
    var delay = Duration.milliseconds(200)
    while !Task.isCancelled {
      do {
        try await store.migrate(logger: logger)
        if let postgres { try await postgres.ensurePartitions(logger: logger) }
        state.withLock { $0 = .ready }
        logger.info("yield database ready")
        return
      } catch {
        state.withLock { $0 = .unavailable("migrations failed: \(error.message)") }
        logger.error("cannot migrate the yield database; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        try? await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(10))
      }
    }
  }

  private func checkDatabase() async {
    do {
      try await store.ping(logger: logger)
      state.withLock { if $0 != .ready { $0 = .ready } }
    } catch {
      state.withLock { $0 = .unavailable("database not answering: \(error.message)") }
    }
  }

  /// Publishes each cell's OEE over the current shift so far (or the last hour without a calendar).
  private func refreshShiftKPIs() async {
    let now = Date()
    let window: DateInterval
    if let shift = queries.calendar?.shift(containing: now) {
      guard now > shift.start else { return }
      window = DateInterval(start: shift.start, end: now)
    } else {
      window = DateInterval(start: now.addingTimeInterval(-3600), end: now)
    }
    do {
      let query = KPIQuery(
        window: try QueryWindow(from: window.start, to: window.end), cell: nil, line: nil, station: nil,
        groupBy: [.cell], timeZone: .gmt)
      for (key, figures) in try await queries.oeeRows(query, logger: logger) {
        if let cell = key.cell { queries.metrics.recordShiftOee(cell: cell, figures: figures) }
      }
    } catch {
      logger.warning("could not refresh the shift OEE gauges", metadata: ["error": "\(error.message)"])
    }
  }
}
