import Foundation
import Logging
import SQLiteNIO
import YieldKPI

extension SQLiteYieldStore {
  /// The WHERE conditions of `filter` (every field ANDed), appending their values to `binds`.
  static func conditions(_ filter: CycleFilter, binds: inout [SQLiteData]) -> [String] {
    var clauses: [String] = []
    for (column, value) in [
      ("cell", filter.cell), ("line", filter.line), ("robot", filter.robot), ("station", filter.station),
      ("outcome", filter.outcome), ("failure_code", filter.failureCode),
    ] {
      if let value {
        clauses.append("\(column) = ?")
        binds.append(.text(value))
      }
    }
    if let from = filter.from {
      clauses.append("ended_at >= ?")
      binds.append(.integer(SQLiteInt64(from.millisecondsSince1970)))
    }
    if let to = filter.to {
      clauses.append("ended_at < ?")
      binds.append(.integer(SQLiteInt64(to.millisecondsSince1970)))
    }
    return clauses
  }

  public func ping(logger: Logger) async throws(YieldStoreError) {
    _ = try await serialized("ping") { db in try await db.query("SELECT 1").count }
  }

  public func cycleFacts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError) -> [CycleFact] {
    var binds: [SQLiteData] = []
    let clauses = Self.conditions(filter, binds: &binds)
    let sql =
      "SELECT cell, robot, station, line, ended_at, cycle_ms, outcome, attempts, failure_code, ideal_cycle_ms,"
      + " COALESCE(model_version, '') AS model_version FROM cycles"
      + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
    return try await serialized("query cycle facts") { [binds] db in
      try await db.query(sql, binds).map { row in
        try CycleFact(
          stored: (
            try Self.text(row, "cell"), try Self.text(row, "robot"), try Self.text(row, "station"),
            try Self.text(row, "line"), Date(millisecondsSince1970: try Self.integer(row, "ended_at")),
            Int(try Self.integer(row, "cycle_ms")), try Self.text(row, "outcome"),
            Int(try Self.integer(row, "attempts"))
          ),
          failureCode: row.column("failure_code")?.string, idealCycleMs: Int(try Self.integer(row, "ideal_cycle_ms")),
          modelVersion: try Self.text(row, "model_version"))
      }
    }
  }

  /// Counted in the process from the facts: a cell's embedded store holds one cell's cycles.
  public func cycleTallies(_ filter: CycleFilter, _ grouping: CycleTally.Grouping, logger: Logger)
    async throws(YieldStoreError) -> [CycleTally]
  {
    CycleTally.tallies(of: try await cycleFacts(filter, logger: logger), grouping)
  }

  public func failureCounts(_ filter: CycleFilter, logger: Logger) async throws(YieldStoreError)
    -> [FailureCode: Int]
  {
    var binds: [SQLiteData] = []
    let clauses = Self.conditions(filter, binds: &binds) + ["outcome <> 'ok'", "failure_code IS NOT NULL"]
    let sql =
      "SELECT failure_code, count(*) AS n FROM cycles WHERE " + clauses.joined(separator: " AND ")
      + " GROUP BY failure_code"
    return try await serialized("count failures") { [binds] db in
      var counts: [FailureCode: Int] = [:]
      for row in try await db.query(sql, binds) {
        let code = try Self.text(row, "failure_code")
        counts[FailureCode(rawValue: code) ?? .other, default: 0] += Int(try Self.integer(row, "n"))
      }
      return counts
    }
  }

  public func stateIntervals(cells: [String]?, overlapping window: DateInterval, logger: Logger)
    async throws(YieldStoreError) -> [StateInterval]
  {
    var binds: [SQLiteData] = [
      .integer(SQLiteInt64(window.end.millisecondsSince1970)),
      .integer(SQLiteInt64(window.start.millisecondsSince1970)),
    ]
    var sql = "SELECT cell, robot, state, started_at, ended_at FROM state_events WHERE started_at < ? AND ended_at > ?"
    if let cells {
      guard !cells.isEmpty else { return [] }
      sql += " AND cell IN (" + Array(repeating: "?", count: cells.count).joined(separator: ", ") + ")"
      binds += cells.map { .text($0) }
    }
    return try await serialized("query state events") { [binds, sql] db in
      try await db.query(sql, binds).map { row in
        try StateInterval(
          stored: try Self.text(row, "cell"), robot: row.column("robot")?.string, state: try Self.text(row, "state"),
          startedAt: Date(millisecondsSince1970: try Self.integer(row, "started_at")),
          endedAt: Date(millisecondsSince1970: try Self.integer(row, "ended_at")))
      }
    }
  }
}
