import Foundation
import Testing
import YieldStore

/// The contract every ``YieldStore`` backend keeps, run against each available backend.
@Suite("YieldStore contract")
struct YieldStoreContractTests {
  @Test(
    "PostgreSQL backend is configured",
    .enabled(
      if: Backend.postgresDSN != nil,
      "WORKCELL_TEST_POSTGRES_DSN is unset: the PostgreSQL contract cases are skipped (set it, e.g. from scripts/test-db.sh start)"
    ))
  func postgresConfigured() async throws {
    try await withStore(.postgres) { store, _ throws in
      #expect(try await store.cells(logger: testLogger).isEmpty)
    }
  }

  @Test("migrating twice, and from two replicas at once, is harmless", arguments: Backend.available)
  func migrateTwiceAndConcurrently(_ backend: Backend) async throws {
    try await withStore(backend, migrated: false) { store, sibling throws in
      let other = try await sibling()
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await store.migrate(logger: testLogger) }
        group.addTask { try await other.migrate(logger: testLogger) }
        try await group.waitForAll()
      }
      try await store.migrate(logger: testLogger)
      let counts = try await store.insertCycles([makeCycle(1)], logger: testLogger)
      #expect(counts == IngestCounts(accepted: 1, duplicates: 0))
    }
  }

  @Test("cycles are stored once per id and read back unchanged", arguments: Backend.available)
  func idempotentIngest(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let first = [makeCycle(1, endedOffsetMs: 1), makeCycle(2, endedOffsetMs: 2), makeCycle(3, endedOffsetMs: 3)]
      #expect(try await store.insertCycles(first, logger: testLogger) == IngestCounts(accepted: 3, duplicates: 0))

      var changed = makeCycle(2, endedOffsetMs: 2, outcome: "nok")
      changed.modelVersion = "other"
      let again = [makeCycle(1, endedOffsetMs: 1), changed, makeCycle(4, endedOffsetMs: 4)]
      #expect(try await store.insertCycles(again, logger: testLogger) == IngestCounts(accepted: 1, duplicates: 2))

      let stored = try await store.cycles(CycleFilter(), limit: 100, after: nil, logger: testLogger)
      #expect(stored.rows == newestFirst(first + [makeCycle(4, endedOffsetMs: 4)]))
      #expect(stored.next == nil)
    }
  }

  @Test("an id repeated inside a batch counts once; upper-case ids are the same id", arguments: Backend.available)
  func duplicatesInsideBatch(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      var upper = makeCycle(7)
      upper.cycleID = upper.cycleID.uppercased()
      let counts = try await store.insertCycles([makeCycle(7), makeCycle(8), upper], logger: testLogger)
      #expect(counts == IngestCounts(accepted: 2, duplicates: 1))
      let rows = try await store.cycles(CycleFilter(), limit: 10, after: nil, logger: testLogger).rows
      #expect(rows.map(\.cycleID).sorted() == [cycleID(7), cycleID(8)])
    }
  }

  @Test("a batch with one bad record stores nothing", arguments: Backend.available)
  func allOrNothing(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let batch = [makeCycle(1), makeCycle(2, outcome: "maybe"), makeCycle(3)]
      let error = await #expect(throws: YieldStoreError.self) {
        try await store.insertCycles(batch, logger: testLogger)
      }
      #expect(error?.code == .constraintViolation)
      var badID = makeCycle(4)
      badID.cycleID = "not-a-uuid"
      let idError = await #expect(throws: YieldStoreError.self) {
        try await store.insertCycles([makeCycle(5), badID], logger: testLogger)
      }
      #expect(idError?.code == .invalidRecord)
      #expect(idError?.recordIndex == 1)
      #expect(idError?.field == "cycle_id")

      #expect(try await store.cycles(CycleFilter(), limit: 10, after: nil, logger: testLogger).rows.isEmpty)
      #expect(try await store.cells(logger: testLogger).isEmpty)
      // The rolled-back ids are free: sending the good records again stores them.
      let counts = try await store.insertCycles([makeCycle(1), makeCycle(3)], logger: testLogger)
      #expect(counts == IngestCounts(accepted: 2, duplicates: 0))
    }
  }

  @Test("pages are stable when newer cycles arrive between them", arguments: Backend.available)
  func stablePaging(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      // Pairs share an ended_at, so the id breaks ties.
      let rows = (0..<25).map { makeCycle($0, endedOffsetMs: Int64($0 / 2) * 1_000) }
      _ = try await store.insertCycles(rows.shuffled(), logger: testLogger)
      let expected = newestFirst(rows)

      let first = try await store.cycles(CycleFilter(), limit: 10, after: nil, logger: testLogger)
      #expect(first.rows == Array(expected[0..<10]))
      let token = try #require(first.next).token

      let newer = (100..<105).map { makeCycle($0, endedOffsetMs: 60_000 + Int64($0)) }
      #expect(try await store.insertCycles(newer, logger: testLogger).accepted == 5)

      let second = try await store.cycles(
        CycleFilter(), limit: 10, after: try CyclePageCursor(token: token), logger: testLogger)
      #expect(second.rows == Array(expected[10..<20]))
      let third = try await store.cycles(CycleFilter(), limit: 10, after: second.next, logger: testLogger)
      #expect(third.rows == Array(expected[20..<25]))
      #expect(third.next == nil)

      let pages = try await allPages(store, limit: 10)
      #expect(pages.map(\.count) == [10, 10, 10])
      #expect(pages.flatMap { $0 } == newestFirst(rows + newer))
    }
  }

  @Test(
    "filters: cell, robot, station, outcome, failure code, from inclusive, to exclusive", arguments: Backend.available)
  func filters(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let rows = [
        makeCycle(1, cell: "cell-01", endedOffsetMs: 0),
        makeCycle(2, cell: "cell-01", endedOffsetMs: 1_000, outcome: "nok", failureCode: "cross_thread"),
        makeCycle(3, cell: "cell-02", robot: "robot-b", endedOffsetMs: 2_000, outcome: "nok"),
        makeCycle(4, cell: "cell-02", station: "front_logo", endedOffsetMs: 3_000, outcome: "aborted"),
      ]
      _ = try await store.insertCycles(rows, logger: testLogger)
      func ids(_ filter: CycleFilter) async throws -> [String] {
        try await store.cycles(filter, limit: 100, after: nil, logger: testLogger).rows.map(\.cycleID)
      }
      let at = { (offset: Int64) in Date(millisecondsSince1970: baseMilliseconds + offset) }
      #expect(try await ids(CycleFilter(cell: "cell-01")) == [cycleID(2), cycleID(1)])
      #expect(try await ids(CycleFilter(robot: "robot-b")) == [cycleID(3)])
      #expect(try await ids(CycleFilter(station: "front_logo")) == [cycleID(4)])
      #expect(try await ids(CycleFilter(outcome: "nok")) == [cycleID(3), cycleID(2)])
      #expect(try await ids(CycleFilter(failureCode: "cross_thread")) == [cycleID(2)])
      #expect(try await ids(CycleFilter(cell: "cell-02", outcome: "nok")) == [cycleID(3)])
      #expect(try await ids(CycleFilter(from: at(1_000), to: at(3_000))) == [cycleID(3), cycleID(2)])
      #expect(try await ids(CycleFilter(from: at(1_001), to: at(2_999))) == [cycleID(3)])
      #expect(try await ids(CycleFilter(from: at(1_001), to: at(2_000))).isEmpty)
      #expect(try await ids(CycleFilter(from: at(3_000))) == [cycleID(4)])
      #expect(try await ids(CycleFilter(to: at(0))).isEmpty)
      #expect(try await ids(CycleFilter(cell: "cell-99")).isEmpty)
    }
  }

  @Test("page limits outside 1…10 000 are refused", arguments: Backend.available)
  func pageLimits(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      for limit in [0, -1, maximumPageLimit + 1] {
        let error = await #expect(throws: YieldStoreError.self) {
          try await store.cycles(CycleFilter(), limit: limit, after: nil, logger: testLogger)
        }
        #expect(error?.code == .invalidArgument)
      }
    }
  }

  @Test("cells summarize robots, stations and the latest cycle", arguments: Backend.available)
  func cellsSummary(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      _ = try await store.insertCycles(
        [
          makeCycle(1, cell: "cell-02", robot: "robot-b", endedOffsetMs: 5_000),
          makeCycle(2, cell: "cell-02", robot: "robot-a", station: "front_logo", endedOffsetMs: 9_000),
          makeCycle(3, cell: "cell-01", endedOffsetMs: 1_000),
        ], logger: testLogger)
      // Older and duplicate cycles do not move last_cycle_at back.
      _ = try await store.insertCycles(
        [
          makeCycle(2, cell: "cell-02", endedOffsetMs: 20_000),
          makeCycle(4, cell: "cell-02", robot: "robot-b", endedOffsetMs: 100),
        ],
        logger: testLogger)
      let cells = try await store.cells(logger: testLogger)
      #expect(
        cells == [
          CellRow(
            plant: "plant-1", line: "line-1", cell: "cell-01", robots: ["robot-a"], stations: ["nut_install"],
            lastCycleAt: Date(millisecondsSince1970: baseMilliseconds + 1_000)),
          CellRow(
            plant: "plant-1", line: "line-1", cell: "cell-02", robots: ["robot-a", "robot-b"],
            stations: ["front_logo", "nut_install"], lastCycleAt: Date(millisecondsSince1970: baseMilliseconds + 9_000)),
        ])
    }
  }

  @Test("state events are stored once per id; a bad state stores nothing", arguments: Backend.available)
  func stateEvents(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let first = [makeEvent(1), makeEvent(2), makeEvent(3)]
      #expect(try await store.insertStateEvents(first, logger: testLogger) == IngestCounts(accepted: 3, duplicates: 0))
      let again = [makeEvent(2), makeEvent(3), makeEvent(4, state: "fault")]
      #expect(try await store.insertStateEvents(again, logger: testLogger) == IngestCounts(accepted: 1, duplicates: 2))
      let error = await #expect(throws: YieldStoreError.self) {
        try await store.insertStateEvents([makeEvent(5), makeEvent(6, state: "napping")], logger: testLogger)
      }
      #expect(error?.code == .constraintViolation)
      #expect(try await store.insertStateEvents([makeEvent(5)], logger: testLogger).accepted == 1)
    }
  }

  @Test("a 5 000-cycle batch is one call", arguments: Backend.available)
  func largeBatch(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let rows = (0..<5_000).map { makeCycle($0, cell: "cell-\($0 % 7)", endedOffsetMs: Int64($0) * 250) }
      let clock = ContinuousClock()
      var counts = IngestCounts(accepted: 0, duplicates: 0)
      let elapsed = try await clock.measure { counts = try await store.insertCycles(rows, logger: testLogger) }
      #expect(counts == IngestCounts(accepted: 5_000, duplicates: 0))
      print("[\(backend)] 5000-cycle batch stored in \(elapsed)")
      #expect(try await store.insertCycles(rows, logger: testLogger) == IngestCounts(accepted: 0, duplicates: 5_000))
      let page = try await store.cycles(CycleFilter(), limit: maximumPageLimit, after: nil, logger: testLogger)
      #expect(page.rows == newestFirst(rows))
      #expect(page.next == nil)
      #expect(try await store.cells(logger: testLogger).count == 7)
    }
  }

  @Test("concurrent batches sharing ids store each id once", arguments: Backend.available)
  func concurrentOverlappingBatches(_ backend: Backend) async throws {
    try await withStore(backend) { store, sibling throws in
      let other = try await sibling()
      let a = (0..<300).map { makeCycle($0, endedOffsetMs: Int64($0)) }
      let b = (150..<450).map { makeCycle($0, endedOffsetMs: Int64($0)) }.reversed()
      async let first = store.insertCycles(a, logger: testLogger)
      async let second = other.insertCycles(Array(b), logger: testLogger)
      let (countsA, countsB) = try await (first, second)
      #expect(countsA.accepted + countsB.accepted == 450)
      #expect(countsA.duplicates + countsB.duplicates == 150)
      #expect(try await allPages(store, limit: 1_000).flatMap { $0 }.count == 450)
    }
  }
}
