import Foundation
import Logging
import PostgresNIO
import YieldStore

/// The backends the contract suite runs on: SQLite always, PostgreSQL when
/// `WORKCELL_TEST_POSTGRES_DSN` is set.
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
  case sqlite
  case postgres

  static let postgresDSN = ProcessInfo.processInfo.environment["WORKCELL_TEST_POSTGRES_DSN"].flatMap {
    $0.isEmpty ? nil : $0
  }
  static let available: [Backend] = postgresDSN == nil ? [.sqlite] : [.sqlite, .postgres]

  var description: String { rawValue }
}

let testLogger: Logger = {
  var logger = Logger(label: "yield-store-tests")
  logger.logLevel = .warning
  return logger
}()

/// A fresh, empty store of `backend` for one test: SQLite in its own temporary file, PostgreSQL in
/// its own schema (dropped afterwards). `sibling` opens a second store on the same database, as a
/// second replica would.
func withStore(
  _ backend: Backend, migrated: Bool = true,
  _ body: (_ store: any YieldStore, _ sibling: @Sendable () async throws -> any YieldStore) async throws -> Void
) async throws {
  switch backend {
  case .sqlite:
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("yield-store-\(UUID().uuidString).sqlite").path
    defer {
      for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    let store = try await SQLiteYieldStore.open(.file(path: path), logger: testLogger)
    if migrated { try await store.migrate(logger: testLogger) }
    let siblings = SiblingStores()
    do {
      try await body(store) {
        let sibling = try await SQLiteYieldStore.open(.file(path: path), logger: testLogger)
        await siblings.add(sibling)
        return sibling
      }
    } catch {
      await siblings.closeAll()
      try? await store.close()
      throw error
    }
    await siblings.closeAll()
    try await store.close()

  case .postgres:
    guard let dsn = Backend.postgresDSN else { return }
    let configuration = try PostgresYieldStore.configuration(dsn: dsn)
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    var scoped = configuration
    scoped.options.additionalStartupParameters = [("search_path", String(schema))]
    let admin = PostgresClient(configuration: configuration)
    let client = PostgresClient(configuration: scoped)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await admin.run() }
      group.addTask { await client.run() }
      defer { group.cancelAll() }
      try await admin.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: testLogger)
      do {
        let store = PostgresYieldStore(client: client)
        if migrated { try await store.migrate(logger: testLogger) }
        try await body(store) { PostgresYieldStore(client: client) }
      } catch {
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: testLogger)
        throw error
      }
      try await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: testLogger)
    }
  }
}

/// Second SQLite stores a test opened, closed when it ends.
actor SiblingStores {
  private var stores: [SQLiteYieldStore] = []
  func add(_ store: SQLiteYieldStore) { stores.append(store) }
  func closeAll() async {
    for store in stores { try? await store.close() }
    stores = []
  }
}

/// 2026-03-02T00:00:00Z.
let baseMilliseconds: Int64 = 1_772_409_600_000

/// A cycle with a deterministic id `n`, ending `endedOffsetMs` after the base time.
func makeCycle(
  _ n: Int, cell: String = "cell-01", robot: String = "robot-a", station: String = "nut_install",
  endedOffsetMs: Int64 = 0, outcome: String = "ok", failureCode: String? = nil, line: String = "line-1"
) -> CycleRow {
  let ended = Date(millisecondsSince1970: baseMilliseconds + endedOffsetMs)
  return CycleRow(
    cycleID: cycleID(n), plant: "plant-1", line: line, cell: cell, robot: robot, station: station,
    partSerial: n.isMultiple(of: 2) ? "SN-\(n)" : nil,
    startedAt: ended.addingTimeInterval(-71.5), endedAt: ended, cycleMs: 71_500, outcome: outcome,
    attempts: 1 + n % 3, failureCode: outcome == "ok" ? nil : (failureCode ?? "grip_slip"),
    torqueNm: n.isMultiple(of: 3) ? nil : 12.5 + Double(n) / 8, angleDeg: n.isMultiple(of: 3) ? nil : 90.25,
    modelVersion: "pi0-2026.02", idealCycleMs: 76_000)
}

func cycleID(_ n: Int) -> String { String(format: "00000000-0000-4000-8000-%012x", n) }

func makeEvent(_ n: Int, state: String = "producing") -> StateEventRow {
  let start = Date(millisecondsSince1970: baseMilliseconds + Int64(n) * 60_000)
  return StateEventRow(
    eventID: String(format: "10000000-0000-4000-8000-%012x", n), cell: "cell-01",
    robot: n.isMultiple(of: 2) ? "robot-a" : nil,
    state: state, reason: "shift_start", startedAt: start, endedAt: start.addingTimeInterval(60))
}

extension Date {
  init(millisecondsSince1970 milliseconds: Int64) {
    self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
  }
}

/// The rows in the order the store must return them: newest first, ties by id descending.
func newestFirst(_ rows: [CycleRow]) -> [CycleRow] {
  rows.sorted { ($0.endedAt, $0.cycleID) > ($1.endedAt, $1.cycleID) }
}

/// Every page of a query, following cursors.
func allPages(_ store: any YieldStore, _ filter: CycleFilter = CycleFilter(), limit: Int) async throws -> [[CycleRow]] {
  var pages: [[CycleRow]] = []
  var cursor: CyclePageCursor?
  repeat {
    let page = try await store.cycles(filter, limit: limit, after: cursor, logger: testLogger)
    pages.append(page.rows)
    cursor = page.next
  } while cursor != nil && pages.count < 1000
  return pages
}
