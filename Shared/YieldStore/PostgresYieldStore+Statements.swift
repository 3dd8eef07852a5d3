import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresYieldStore {
  /// Runs `body` in one transaction on a pooled connection, mapping failures to ``YieldStoreError``.
  func transaction<T: Sendable>(
    _ operation: String, logger: Logger, _ body: (PostgresConnection) async throws -> T
  ) async throws(YieldStoreError) -> T {
    do {
      return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
    } catch {
      throw Self.translate(error, operation: operation)
    }
  }

  /// Runs `body`, mapping failures to ``YieldStoreError``.
  func run<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws(YieldStoreError) -> T {
    do {
      return try await body()
    } catch {
      throw Self.translate(error, operation: operation)
    }
  }

  /// Serializes schema changes of all processes on this schema until the transaction ends.
  static func lockSchema(_ connection: PostgresConnection, logger: Logger) async throws {
    try await connection.query(
      "SELECT pg_advisory_xact_lock(hashtext('workcell.yield-store.schema/' || current_schema()))", logger: logger)
  }

  /// Inserts the ids that are new into `table`: only these rows are this batch's to store. Returns
  /// nil when every id was new (the usual case), else the ids this batch won. Rows holding an id
  /// another open transaction claimed wait for it.
  ///
  /// The ids are first copied in (binary COPY) under a savepoint: a plain insert costs about half
  /// of an `ON CONFLICT DO NOTHING … RETURNING` one (no speculative insertion, no row sent back
  /// per id). Only a batch that repeats a stored id (a re-send) pays for the second,
  /// conflict-tolerant try; PostgreSQL logs the first try's unique violation.
  static func claim(
    ids: [UUID], table: String, column: String, connection: PostgresConnection, logger: Logger
  ) async throws -> Set<UUID>? {
    // Sorted by their bytes (the order PostgreSQL's uuid type uses) so that two batches sharing
    // ids lock them in the same order and cannot deadlock.
    let sorted = ids.map { ($0.byteOrderKey, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    try await connection.query("SAVEPOINT claim_ids", logger: logger)
    do {
      try await connection.copyFrom(table: table, columns: binaryCopyColumns([column]), logger: logger) { writer in
        var buffer = ByteBuffer()
        buffer.reserveCapacity(min(sorted.count, 1 << 15) * 22 + 64)
        CopyBinary.appendHeader(to: &buffer)
        for id in sorted {
          CopyBinary.append(uuid: id, to: &buffer)
          if buffer.readableBytes >= 1 << 20 {
            try await writer.write(buffer)
            buffer.clear()
          }
        }
        CopyBinary.appendTrailer(to: &buffer)
        try await writer.write(buffer)
      }
      try await connection.query("RELEASE SAVEPOINT claim_ids", logger: logger)
      return nil
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
      try await connection.query("ROLLBACK TO SAVEPOINT claim_ids", logger: logger)
    }
    var binds = PostgresBindings()
    binds.append(sorted)
    let rows = try await connection.query(
      PostgresQuery(
        unsafeSQL:
          "INSERT INTO \(table) (\(column)) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING \(column)",
        binds: binds),
      logger: logger)
    var claimed = Set<UUID>()
    claimed.reserveCapacity(ids.count)
    for try await id in rows.decode(UUID.self) { claimed.insert(id) }
    return claimed
  }

  /// From this many new rows on, a batch is written with COPY instead of multi-row INSERTs
  /// (COPY skips per-statement parsing and binding: several times the rows per second).
  static let copyThreshold = 500

  /// Writes `rows` (with `ids`, their ids' values) into `cycles` with `COPY … FROM STDIN` in
  /// binary format, in ~1 MiB messages; the partitioned table routes each row to its month.
  static func copy(_ rows: [CycleRow], ids: [UUID], connection: PostgresConnection, logger: Logger) async throws {
    try await connection.copyFrom(
      table: "cycles", columns: binaryCopyColumns(CycleColumns.names), logger: logger
    ) { writer in
      var buffer = ByteBuffer()
      buffer.reserveCapacity(1 << 20 + 4096)
      CopyBinary.appendHeader(to: &buffer)
      for index in rows.indices {
        // A value the column cannot hold ends the COPY (CopyFail) and the transaction with it.
        try CopyBinary.append(rows[index], uuid: ids[index], to: &buffer)
        if buffer.readableBytes >= 1 << 20 {
          try await writer.write(buffer)
          buffer.clear()
        }
      }
      CopyBinary.appendTrailer(to: &buffer)
      try await writer.write(buffer)
    }
  }

  /// `names` as the column list of a binary COPY, carrying the format option.
  ///
  /// postgres-nio 1.33's `copyFrom` offers only `FORMAT text`, and builds
  /// `COPY "table"("c1",…,"cN") FROM STDIN WITH (FORMAT text)` from the names as given. The last
  /// name closes the list itself, asks for `FORMAT binary` and turns the builder's own options
  /// into an SQL comment. Constant text, no input from outside; the contract tests fail loudly if a
  /// postgres-nio update builds the query differently. Replace with the library's binary option
  /// once it has one.
  static func binaryCopyColumns(_ names: [String]) -> [String] {
    names.dropLast() + [names.last! + "\") FROM STDIN WITH (FORMAT binary) --"]
  }

  /// `($1, …), ($n, …)` for a multi-row VALUES list.
  static func placeholders(rows: Int, width: Int) -> String {
    var sql = ""
    sql.reserveCapacity(rows * width * 7)
    for row in 0..<rows {
      if row > 0 { sql += ", " }
      sql += "("
      for column in 0..<width {
        if column > 0 { sql += ", " }
        sql += "$\(row * width + column + 1)"
      }
      sql += ")"
    }
    return sql
  }

  /// Binds one cycle in ``CycleColumns`` order.
  static func append(_ row: CycleRow, to binds: inout PostgresBindings) {
    binds.append(UUID(uuidString: row.cycleID))
    binds.append(row.plant)
    binds.append(row.line)
    binds.append(row.cell)
    binds.append(row.robot)
    binds.append(row.station)
    binds.append(row.partSerial)
    binds.append(row.startedAt)
    binds.append(row.endedAt)
    binds.append(row.cycleMs)
    binds.append(row.outcome)
    binds.append(row.attempts)
    binds.append(row.failureCode)
    binds.append(row.torqueNm)
    binds.append(row.angleDeg)
    binds.append(row.modelVersion)
    binds.append(row.idealCycleMs)
  }

  /// Upserts the stations of newly stored cycles into `cell_stations` (sorted: no deadlocks).
  static func recordStations(of cycles: [CycleRow], connection: PostgresConnection, logger: Logger) async throws {
    for chunk in CellStation.latest(of: cycles).chunks(ofCount: maximumParameters / 6) {
      var binds = PostgresBindings(capacity: chunk.count * 6)
      for (key, last) in chunk {
        binds.append(key.plant)
        binds.append(key.line)
        binds.append(key.cell)
        binds.append(key.robot)
        binds.append(key.station)
        binds.append(last)
      }
      try await connection.query(
        PostgresQuery(
          unsafeSQL: "INSERT INTO cell_stations (plant, line, cell, robot, station, last_cycle_at) VALUES "
            + placeholders(rows: chunk.count, width: 6)
            + " ON CONFLICT (plant, line, cell, robot, station) DO UPDATE"
            + " SET last_cycle_at = GREATEST(cell_stations.last_cycle_at, EXCLUDED.last_cycle_at)",
          binds: binds),
        logger: logger)
    }
  }

  /// Adds newly stored cycles to the `cycle_hours` rollup (sorted by its key: no deadlocks).
  static func recordHours(of cycles: [CycleRow], connection: PostgresConnection, logger: Logger) async throws {
    let width = 13
    for chunk in CycleHour.counts(of: cycles).chunks(ofCount: maximumParameters / width) {
      var binds = PostgresBindings(capacity: chunk.count * width)
      for (key, count) in chunk {
        binds.append(key.cell)
        binds.append(Date(millisecondsSince1970: key.hourMs))
        binds.append(key.line)
        binds.append(key.robot)
        binds.append(key.station)
        binds.append(key.modelVersion)
        binds.append(key.idealCycleMs)
        binds.append(key.outcome)
        binds.append(key.failureCode)
        binds.append(count.cycles)
        binds.append(count.firstPass)
        binds.append(count.withinTakt)
        binds.append(count.cycleTimes)
      }
      try await connection.query(
        PostgresQuery(
          unsafeSQL: "INSERT INTO cycle_hours (cell, hour, line, robot, station, model_version, ideal_cycle_ms,"
            + " outcome, failure_code, cycles, first_pass, within_takt, cycle_times) VALUES "
            + placeholders(rows: chunk.count, width: width)
            + " ON CONFLICT (cell, hour, line, robot, station, model_version, ideal_cycle_ms, outcome, failure_code)"
            + " DO UPDATE SET cycles = cycle_hours.cycles + EXCLUDED.cycles,"
            + " first_pass = cycle_hours.first_pass + EXCLUDED.first_pass,"
            + " within_takt = cycle_hours.within_takt + EXCLUDED.within_takt,"
            + " cycle_times = cycle_hours.cycle_times || EXCLUDED.cycle_times",
          binds: binds),
        logger: logger)
    }
  }

  static func cycle(from row: PostgresRow) throws -> CycleRow {
    let all = try row.decode(
      (
        UUID, String, String, String, String, String, String?, Date, Date, Int, String, Int, String?, Double?, Double?,
        String, Int
      ).self)
    return CycleRow(
      cycleID: all.0.uuidString.lowercased(), plant: all.1, line: all.2, cell: all.3, robot: all.4, station: all.5,
      partSerial: all.6, startedAt: all.7.roundedToMilliseconds, endedAt: all.8.roundedToMilliseconds,
      cycleMs: all.9, outcome: all.10, attempts: all.11, failureCode: all.12, torqueNm: all.13, angleDeg: all.14,
      modelVersion: all.15, idealCycleMs: all.16)
  }

  static func translate(_ error: any Error, operation: String) -> YieldStoreError {
    if let error = error as? YieldStoreError { return error }
    if let error = error as? PostgresTransactionError {
      // The first failure is the one to report; a failed rollback after it adds nothing actionable.
      if let cause = error.beginError ?? error.closureError ?? error.commitError ?? error.rollbackError {
        return translate(cause, operation: operation)
      }
    }
    if let error = error as? PSQLError {
      let state = error.serverInfo?[.sqlState] ?? ""
      let detail = [error.serverInfo?[.message], error.serverInfo?[.detail]].compactMap { $0 }.joined(separator: ": ")
      // Class 23 (integrity constraint) and 22 (data exception): the data, not the database.
      if state.hasPrefix("23") || state.hasPrefix("22") {
        return YieldStoreError(
          code: .constraintViolation,
          message:
            "PostgreSQL refused a record during \(operation) (SQLSTATE \(state)): \(detail); nothing of the batch was stored"
        )
      }
      return YieldStoreError(
        code: .databaseUnavailable,
        message:
          "PostgreSQL failed during \(operation): \(detail.isEmpty ? "\(error.code)" : "SQLSTATE \(state): \(detail)"); check the database is reachable and migrated"
      )
    }
    return YieldStoreError(code: .databaseUnavailable, message: "PostgreSQL failed during \(operation): \(error)")
  }
}
