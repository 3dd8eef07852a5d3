import Foundation
import Logging
import PostgresNIO
import YieldKPI

extension PostgresYieldStore {
  /// The WHERE conditions of `filter` (every field ANDed), appending their values to `binds`.
  static func conditions(_ filter: CycleFilter, binds: inout PostgresBindings) -> [String] {
    var clauses: [String] = []
    for (column, value) in [
      ("cell", filter.cell), ("line", filter.line), ("robot", filter.robot), ("station", filter.station),
      ("outcome", filter.outcome), ("failure_code", filter.failureCode),
    ] {
      if let value {
        binds.append(value)
        clauses.append("\(column) = $\(binds.count)")
        // The per-cell index is on the cell's hash (migration 3): name it so the planner can use it.
        if column == "cell" { clauses.append("hashtext(cell) = hashtext($\(binds.count))") }
      }
    }
    // Bound times are cast to millisecond precision, the precision stored.
    if let from = filter.from {
      binds.append(from.roundedToMilliseconds)
      clauses.append("ended_at >= $\(binds.count)::timestamptz(3)")
    }
    if let to = filter.to {
      binds.append(to.roundedToMilliseconds)
      clauses.append("ended_at < $\(binds.count)::timestamptz(3)")
    }
    return clauses
  }

  public func ping(logger: Logger) async throws(YieldStoreError) {
    try await run("ping") { _ = try await client.query("SELECT 1", logger: logger).collect() }
  }

  public func cycleFacts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [CycleFact] {
    var binds = PostgresBindings()
    let clauses = Self.conditions(filter, binds: &binds)
    let sql =
      "SELECT cell, robot, station, line, ended_at, cycle_ms, outcome, attempts, failure_code, ideal_cycle_ms,"
      + " COALESCE(model_version, '') AS model_version FROM cycles"
      + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
    let query = PostgresQuery(unsafeSQL: sql, binds: binds)
    return try await run("query cycle facts") {
      var facts: [CycleFact] = []
      for try await (cell, robot, station, line, endedAt, cycleMs, outcome, attempts, failureCode, idealCycleMs, modelVersion)
        in try await client.query(query, logger: logger).decode(
          (String, String, String, String, Date, Int, String, Int, String?, Int, String).self)
      {
        facts.append(
          try CycleFact(
            stored: (cell, robot, station, line, endedAt.roundedToMilliseconds, cycleMs, outcome, attempts),
            failureCode: failureCode, idealCycleMs: idealCycleMs, modelVersion: modelVersion))
      }
      return facts
    }
  }

  public func stateIntervals(cells: [String]?, overlapping window: DateInterval, logger: Logger)
    async throws(YieldStoreError) -> [StateInterval]
  {
    var binds = PostgresBindings()
    binds.append(window.end.roundedToMilliseconds)
    binds.append(window.start.roundedToMilliseconds)
    var sql =
      "SELECT cell, robot, state, started_at, ended_at FROM state_events"
      + " WHERE started_at < $1::timestamptz(3) AND ended_at > $2::timestamptz(3)"
    if let cells {
      binds.append(cells)
      sql += " AND cell = ANY($3::text[])"
    }
    let query = PostgresQuery(unsafeSQL: sql, binds: binds)
    return try await run("query state events") {
      var intervals: [StateInterval] = []
      for try await (cell, robot, state, startedAt, endedAt) in try await client.query(query, logger: logger).decode(
        (String, String?, String, Date, Date).self)
      {
        intervals.append(
          try StateInterval(
            stored: cell, robot: robot, state: state, startedAt: startedAt.roundedToMilliseconds,
            endedAt: endedAt.roundedToMilliseconds))
      }
      return intervals
    }
  }
}
