import Foundation
import SQLiteNIO

extension SQLiteYieldStore {
  /// Runs `body` alone on the connection, mapping every failure to ``YieldStoreError``.
  func serialized<T: Sendable>(
    _ operation: String, _ body: @escaping @Sendable (SQLiteConnection) async throws -> T
  ) async throws(YieldStoreError) -> T {
    do {
      let connection = self.connection
      return try await gate.run { try await body(connection) }
    } catch {
      throw Self.translate(error, operation: operation)
    }
  }

  /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`: takes the write lock up front, so two
  /// processes migrating or ingesting at once wait for each other instead of failing on upgrade).
  func transaction<T: Sendable>(
    _ operation: String, _ body: @escaping @Sendable (SQLiteConnection) async throws -> T
  ) async throws(YieldStoreError) -> T {
    try await serialized(operation) { db in
      _ = try await db.query("BEGIN IMMEDIATE")
      do {
        let result = try await body(db)
        _ = try await db.query("COMMIT")
        return result
      } catch {
        _ = try? await db.query("ROLLBACK")
        throw error
      }
    }
  }

  static func translate(_ error: any Error, operation: String) -> YieldStoreError {
    if let error = error as? YieldStoreError { return error }
    if let error = error as? SQLiteError {
      if String(describing: error.reason).hasPrefix("constraint") {
        return YieldStoreError(
          code: .constraintViolation,
          message: "SQLite refused a record during \(operation): \(error.message); nothing of the batch was stored")
      }
      return YieldStoreError(code: .databaseUnavailable, message: "SQLite failed during \(operation): \(error.message)")
    }
    return YieldStoreError(code: .databaseUnavailable, message: "SQLite failed during \(operation): \(error)")
  }

  /// `(?, …), (?, …)` for a multi-row VALUES list.
  static func placeholders(rows: Int, width: Int) -> String {
    let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
    return Array(repeating: row, count: rows).joined(separator: ", ")
  }

  /// The bound values of one cycle, in ``CycleColumns`` order.
  static func binds(_ row: CycleRow) -> [SQLiteData] {
    [
      .text(row.cycleID), .text(row.plant), .text(row.line), .text(row.cell), .text(row.robot), .text(row.station),
      row.partSerial.map(SQLiteData.text) ?? .null,
      .integer(SQLiteInt64(row.startedAt.millisecondsSince1970)),
      .integer(SQLiteInt64(row.endedAt.millisecondsSince1970)),
      .integer(SQLiteInt64(row.cycleMs)), .text(row.outcome), .integer(SQLiteInt64(row.attempts)),
      row.failureCode.map(SQLiteData.text) ?? .null,
      row.torqueNm.map(SQLiteData.float) ?? .null, row.angleDeg.map(SQLiteData.float) ?? .null,
      .text(row.modelVersion), .integer(SQLiteInt64(row.idealCycleMs)),
    ]
  }

  /// Upserts the stations of newly stored cycles into `cell_stations`.
  static func recordStations(of cycles: [CycleRow], on db: SQLiteConnection) async throws {
    let stations = CellStation.latest(of: cycles)
    for chunk in stations.chunks(ofCount: maximumParameters / 6) {
      var binds: [SQLiteData] = []
      for (key, last) in chunk {
        binds += [
          .text(key.plant), .text(key.line), .text(key.cell), .text(key.robot), .text(key.station),
          .integer(SQLiteInt64(last.millisecondsSince1970)),
        ]
      }
      _ = try await db.query(
        "INSERT INTO cell_stations (plant, line, cell, robot, station, last_cycle_at) VALUES "
          + placeholders(rows: chunk.count, width: 6)
          + " ON CONFLICT (plant, line, cell, robot, station) DO UPDATE"
          + " SET last_cycle_at = max(last_cycle_at, excluded.last_cycle_at)",
        binds)
    }
  }

  static func cycle(from row: SQLiteRow) throws -> CycleRow {
    CycleRow(
      cycleID: try text(row, "cycle_id"), plant: try text(row, "plant"), line: try text(row, "line"),
      cell: try text(row, "cell"), robot: try text(row, "robot"), station: try text(row, "station"),
      partSerial: row.column("part_serial")?.string,
      startedAt: Date(millisecondsSince1970: try integer(row, "started_at")),
      endedAt: Date(millisecondsSince1970: try integer(row, "ended_at")),
      cycleMs: Int(try integer(row, "cycle_ms")), outcome: try text(row, "outcome"),
      attempts: Int(try integer(row, "attempts")), failureCode: row.column("failure_code")?.string,
      torqueNm: row.column("torque_nm")?.double, angleDeg: row.column("angle_deg")?.double,
      modelVersion: try text(row, "model_version"), idealCycleMs: Int(try integer(row, "ideal_cycle_ms")))
  }

  static func text(_ row: SQLiteRow, _ column: String) throws -> String {
    guard let value = row.column(column)?.string else { throw missing(column) }
    return value
  }

  static func integer(_ row: SQLiteRow, _ column: String) throws -> Int64 {
    guard let value = row.column(column)?.integer else { throw missing(column) }
    return Int64(value)
  }

  private static func missing(_ column: String) -> YieldStoreError {
    YieldStoreError(
      code: .databaseUnavailable,
      message: "SQLite returned no value for \(column); the database schema does not match this version")
  }
}
