import Foundation
import PostgresNIO
import Testing
import YieldStore

/// The bulk path writes cycles in PostgreSQL's binary COPY format: every column, NULLs and the
/// extreme values must come back as they went in, and values a column cannot hold must fail the
/// whole batch as the text format's parse errors did.
@Suite("PostgreSQL binary COPY")
struct PostgresBinaryCopyTests {
  /// Enough rows for the COPY path (500 or more new rows).
  static let bulk = 600

  /// Row `n` of a bulk batch, with the extremes spread over the first rows.
  static func row(_ n: Int) -> CycleRow {
    var row = makeCycle(n, cell: "cell-\(n % 5)", endedOffsetMs: Int64(n) * 1_000)
    switch n {
    case 0:
      row.cycleMs = Int.max
      row.idealCycleMs = Int.max
      row.attempts = Int(Int32.max)
      row.torqueNm = .greatestFiniteMagnitude
      row.angleDeg = -.greatestFiniteMagnitude
    case 1:
      row.cycleMs = 0
      row.idealCycleMs = 0
      row.torqueNm = .leastNonzeroMagnitude
      row.angleDeg = -0.0
    case 2:
      row.torqueNm = .infinity
      row.angleDeg = -.infinity
    case 3:
      // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
      row.startedAt = Date(millisecondsSince1970: -62_135_596_800_000)
      row.endedAt = Date(millisecondsSince1970: 253_402_300_799_999)
    case 4:
      // Before 1970 and before PostgreSQL's 2000 epoch: negative on both sides.
      row.startedAt = Date(millisecondsSince1970: -1_234_567)
      row.endedAt = Date(millisecondsSince1970: 946_684_799_999)
    case 5:
      row.partSerial = ""
      row.failureCode = nil
      row.torqueNm = nil
      row.angleDeg = nil
    case 6:
      row.partSerial = "SN\t\\N\n\r\"'ü 😀 €" + String(repeating: "x", count: 180)
      row.plant = String(repeating: "ä", count: 200)
      row.modelVersion = "\\."
    case 7:
      row.outcome = "nok"
      row.failureCode = "spline_misaligned"
    default: break
    }
    return row
  }

  @Test(
    "every column, NULLs and extreme values round-trip through the binary COPY",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"))
  func roundTrip() async throws {
    try await withStore(.postgres) { store, _ throws in
      let rows = (0..<Self.bulk).map(Self.row)
      #expect(
        try await store.insertCycles(rows, logger: testLogger) == IngestCounts(accepted: Self.bulk, duplicates: 0))
      let page = try await store.cycles(CycleFilter(), limit: maximumPageLimit, after: nil, logger: testLogger)
      #expect(page.rows.count == Self.bulk)
      let byID = Dictionary(uniqueKeysWithValues: page.rows.map { ($0.cycleID, $0) })
      for row in rows { #expect(byID[row.cycleID] == row, "cycle \(row.cycleID)") }

      // What the server holds, read as text: the epoch and byte order are PostgreSQL's own.
      let postgres = try #require(store as? PostgresYieldStore)
      let text = try await postgres.client.query(
        """
        SELECT cycle_id::text, (started_at AT TIME ZONE 'UTC')::text, (ended_at AT TIME ZONE 'UTC')::text,
          cycle_ms::text, attempts::text, torque_nm::text, angle_deg::text,
          part_serial IS NULL, failure_code IS NULL, torque_nm IS NULL
        FROM cycles
        WHERE cycle_id IN (\(rows[0].cycleID)::uuid, \(rows[3].cycleID)::uuid, \(rows[4].cycleID)::uuid, \(rows[5].cycleID)::uuid)
        ORDER BY cycle_id
        """, logger: testLogger
      ).collect()
      let decoded = try text.map {
        try $0.decode((String, String, String, String, String, String?, String?, Bool, Bool, Bool).self)
      }
      try #require(decoded.count == 4)
      #expect(decoded[0].0 == rows[0].cycleID)
      #expect(decoded[0].3 == "9223372036854775807")
      #expect(decoded[0].4 == "2147483647")
      #expect(decoded[0].5 == "1.7976931348623157e+308")
      #expect(decoded[0].6 == "-1.7976931348623157e+308")
      #expect(decoded[1].1 == "0001-01-01 00:00:00")
      #expect(decoded[1].2 == "9999-12-31 23:59:59.999")
      #expect(decoded[2].1 == "1969-12-31 23:39:25.433")
      #expect(decoded[2].2 == "1999-12-31 23:59:59.999")
      #expect(decoded[3].7 == false, "an empty part_serial is not NULL")
      #expect(decoded[3].8 == true)
      #expect(decoded[3].9 == true)
    }
  }

  @Test(
    "NaN survives the binary COPY",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"))
  func notANumber() async throws {
    try await withStore(.postgres) { store, _ throws in
      var rows = (0..<Self.bulk).map { makeCycle($0) }
      rows[9].torqueNm = .nan
      _ = try await store.insertCycles(rows, logger: testLogger)
      let page = try await store.cycles(CycleFilter(), limit: maximumPageLimit, after: nil, logger: testLogger)
      let stored = try #require(page.rows.first { $0.cycleID == rows[9].cycleID })
      #expect(stored.torqueNm?.isNaN == true)
    }
  }

  @Test(
    "a value the column cannot hold fails the whole batch, as the text format did",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"),
    arguments: ["attempts", "ended_at", "nul", "check"])
  func refused(_ kind: String) async throws {
    try await withStore(.postgres) { store, _ throws in
      var rows = (0..<Self.bulk).map { makeCycle($0) }
      switch kind {
      case "attempts": rows[300].attempts = Int(Int32.max) + 1
      case "ended_at": rows[300].endedAt = Date(millisecondsSince1970: 9_300_000_000_000_000)
      case "nul": rows[300].station = "nut\0install"
      default: rows[300].cycleMs = -1
      }
      let error = await #expect(throws: YieldStoreError.self) {
        try await store.insertCycles(rows, logger: testLogger)
      }
      #expect(error?.code == .constraintViolation)
      #expect(try await store.cycles(CycleFilter(), limit: 10, after: nil, logger: testLogger).rows.isEmpty)
      // The ids were released with the rollback.
      rows[300] = makeCycle(300)
      #expect(try await store.insertCycles(rows, logger: testLogger).accepted == Self.bulk)
    }
  }

  @Test(
    "a bulk batch overlapping stored ids stores only the new ones (the claim's conflict path)",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"))
  func overlapping() async throws {
    try await withStore(.postgres) { store, _ throws in
      let first = (0..<Self.bulk).map(Self.row)
      #expect(try await store.insertCycles(first, logger: testLogger).accepted == Self.bulk)
      let second = (Self.bulk / 2..<Self.bulk * 2).map(Self.row)
      let counts = try await store.insertCycles(second, logger: testLogger)
      #expect(counts == IngestCounts(accepted: Self.bulk, duplicates: Self.bulk / 2))
      let page = try await store.cycles(CycleFilter(), limit: maximumPageLimit, after: nil, logger: testLogger)
      #expect(page.rows == newestFirst((0..<Self.bulk * 2).map(Self.row)))
    }
  }
}
