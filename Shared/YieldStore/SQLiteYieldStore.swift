import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// The embedded yield store: one SQLite database (a file in WAL mode, or in memory), used when no
/// PostgreSQL DSN is configured.
///
/// One connection serves every call, one call at a time, so no statement of one transaction runs
/// inside another's. Several processes may open the same file; writers serialize on SQLite's lock
/// (`BEGIN IMMEDIATE`, waiting while it is busy).
public final class SQLiteYieldStore: YieldStore {
  /// Where the database lives.
  public enum Storage: Sendable, Hashable {
    /// A file, created if missing; put in WAL mode so readers do not block the writer.
    case file(path: String)
    /// A private in-memory database that lives as long as the store; for tests and trials.
    case memory
  }

  /// SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` (3.32+): bound parameters per statement.
  public static let maximumParameters = 32_766

  let connection: SQLiteConnection
  let gate = SerialGate()
  /// The store's own thread for SQLite's blocking calls: a shared pool can be filled by other
  /// connections waiting on this one's lock, which then can never run to release it.
  private let threadPool: NIOThreadPool

  private init(connection: SQLiteConnection, threadPool: NIOThreadPool) {
    self.connection = connection
    self.threadPool = threadPool
  }

  /// Opens (creating if needed) the database; call ``migrate(logger:)`` before use and ``close()``
  /// when done.
  public static func open(_ storage: Storage, logger: Logger) async throws(YieldStoreError) -> SQLiteYieldStore {
    let nioStorage: SQLiteConnection.Storage
    switch storage {
    case .file(let path): nioStorage = .file(path: path)
    case .memory: nioStorage = .memory
    }
    let connection: SQLiteConnection
    let threadPool = NIOThreadPool(numberOfThreads: 1)
    threadPool.start()
    do {
      connection = try await SQLiteConnection.open(
        storage: nioStorage, threadPool: threadPool, logger: logger,
        on: MultiThreadedEventLoopGroup.singleton.any())
    } catch {
      try? await threadPool.shutdownGracefully()
      throw YieldStoreError(
        code: .invalidConfiguration,
        message: "cannot open SQLite database \(storage): \(error); check the path exists and is writable")
    }
    let store = SQLiteYieldStore(connection: connection, threadPool: threadPool)
    if case .file = storage {
      try await store.serialized("configure") { db in
        _ = try await db.query("PRAGMA journal_mode = WAL")
        _ = try await db.query("PRAGMA synchronous = NORMAL")
      }
    }
    return store
  }

  /// Closes the connection; the store cannot be used afterwards.
  public func close() async throws(YieldStoreError) {
    try await serialized("close") { db in try await db.close() }
    try? await threadPool.shutdownGracefully()
  }

  public func migrate(logger: Logger) async throws(YieldStoreError) {
    try await transaction("migrate") { db in
      _ = try await db.query(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL)
        """)
      let applied = Set(
        try await db.query("SELECT version FROM schema_migrations").compactMap { $0.column("version")?.integer })
      for migration in SQLiteMigrations.all where !applied.contains(SQLiteInt64(migration.version)) {
        logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        for statement in migration.statements { _ = try await db.query(statement) }
        _ = try await db.query(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          [
            .integer(SQLiteInt64(migration.version)), .text(migration.name),
            .integer(SQLiteInt64(Date().millisecondsSince1970)),
          ])
      }
    }
  }

  public func insertCyclesReportingNew(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError)
    -> (counts: IngestCounts, stored: [CycleRow])
  {
    let batch = try IngestBatch(cycles: cycles)
    guard !batch.unique.isEmpty else { return (IngestCounts(accepted: 0, duplicates: batch.received), []) }
    let (counts, stored) = try await transaction("insert cycles") { db in
      let width = CycleColumns.names.count
      var inserted = Set<String>()
      for chunk in batch.unique.chunks(ofCount: Self.maximumParameters / width) {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(chunk.count * width)
        for row in chunk { binds += Self.binds(row) }
        let sql =
          "INSERT INTO cycles (\(CycleColumns.list)) VALUES "
          + Self.placeholders(rows: chunk.count, width: width)
          + " ON CONFLICT (cycle_id) DO NOTHING RETURNING cycle_id"
        for row in try await db.query(sql, binds) {
          if let id = row.column("cycle_id")?.string { inserted.insert(id) }
        }
      }
      let accepted = batch.unique.filter { inserted.contains($0.cycleID) }
      try await Self.recordStations(of: accepted, on: db)
      return (IngestCounts(accepted: accepted.count, duplicates: batch.received - accepted.count), accepted)
    }
    logger.debug("stored cycles", metadata: ["accepted": "\(counts.accepted)", "duplicates": "\(counts.duplicates)"])
    return (counts, stored)
  }

  public func insertStateEvents(_ events: [StateEventRow], logger: Logger) async throws(YieldStoreError)
    -> IngestCounts
  {
    let batch = try IngestBatch(events: events)
    guard !batch.unique.isEmpty else { return IngestCounts(accepted: 0, duplicates: 0) }
    let counts = try await transaction("insert state events") { db in
      let width = CycleColumns.stateEventNames.count
      var accepted = 0
      for chunk in batch.unique.chunks(ofCount: Self.maximumParameters / width) {
        var binds: [SQLiteData] = []
        for event in chunk {
          binds += [
            .text(event.eventID), .text(event.cell), event.robot.map(SQLiteData.text) ?? .null, .text(event.state),
            .text(event.reason), .integer(SQLiteInt64(event.startedAt.millisecondsSince1970)),
            .integer(SQLiteInt64(event.endedAt.millisecondsSince1970)),
          ]
        }
        let sql =
          "INSERT INTO state_events (\(CycleColumns.stateEventList)) VALUES "
          + Self.placeholders(rows: chunk.count, width: width)
          + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
        accepted += try await db.query(sql, binds).count
      }
      return IngestCounts(accepted: accepted, duplicates: batch.received - accepted)
    }
    logger.debug(
      "stored state events", metadata: ["accepted": "\(counts.accepted)", "duplicates": "\(counts.duplicates)"])
    return counts
  }

  public func cycles(_ filter: CycleFilter, limit: Int, after: CyclePageCursor?, logger: Logger)
    async throws(YieldStoreError) -> CyclePage
  {
    try checkPageLimit(limit)
    var binds: [SQLiteData] = []
    var clauses = Self.conditions(filter, binds: &binds)
    if let after {
      clauses.append("(ended_at, cycle_id) < (?, ?)")
      binds += [.integer(SQLiteInt64(after.endedAtMilliseconds)), .text(after.cycleID)]
    }
    let sql =
      "SELECT \(CycleColumns.list) FROM cycles"
      + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
      + " ORDER BY ended_at DESC, cycle_id DESC LIMIT ?"
    binds.append(.integer(SQLiteInt64(limit + 1)))
    let found = try await serialized("query cycles") { [binds] db in
      try await db.query(sql, binds).map(Self.cycle(from:))
    }
    return CyclePage(rows: found, limit: limit)
  }

  public func cells(logger: Logger) async throws(YieldStoreError) -> [CellRow] {
    let rows = try await serialized("query cells") { db in
      try await db.query("SELECT plant, line, cell, robot, station, last_cycle_at FROM cell_stations").map {
        row -> (CellStation, Date) in
        (
          CellStation(
            plant: try Self.text(row, "plant"), line: try Self.text(row, "line"), cell: try Self.text(row, "cell"),
            robot: try Self.text(row, "robot"), station: try Self.text(row, "station")),
          Date(millisecondsSince1970: try Self.integer(row, "last_cycle_at"))
        )
      }
    }
    return CellStation.summaries(rows)
  }
}
