import Foundation
import Testing
import YieldKPI
import YieldStore

/// What the KPI queries read from a store: cycle facts by filter, state intervals overlapping a
/// window, and the readiness ping — the same on every backend.
@Suite("YieldStore contract: KPI reads")
struct YieldStoreKPIContractTests {
  @Test("cycle facts honour cell, line, station and the [from, to) window on ended_at", arguments: Backend.available)
  func factsFiltered(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let rows = [
        makeCycle(1, cell: "cell-01", endedOffsetMs: 0),
        makeCycle(2, cell: "cell-01", endedOffsetMs: 59_999, outcome: "nok", failureCode: "torque_low"),
        makeCycle(3, cell: "cell-01", endedOffsetMs: 60_000),
        makeCycle(4, cell: "cell-02", endedOffsetMs: 10, line: "line-2"),
        makeCycle(5, cell: "cell-01", station: "front_logo", endedOffsetMs: 20),
      ]
      _ = try await store.insertCycles(rows, logger: testLogger)
      let from = Date(millisecondsSince1970: baseMilliseconds)
      let to = Date(millisecondsSince1970: baseMilliseconds + 60_000)

      let window = try await store.cycleFacts(CycleFilter(from: from, to: to), logger: testLogger)
      #expect(Set(window.map(\.cell)) == ["cell-01", "cell-02"])
      #expect(window.count == 4, "the cycle ending exactly at 'to' is outside [from, to)")

      let cell = try await store.cycleFacts(
        CycleFilter(cell: "cell-01", station: "nut_install", from: from, to: to), logger: testLogger)
      #expect(cell.count == 2)
      let nok = try #require(cell.first { $0.outcome == .nok })
      #expect(nok.failureCode == .torqueLow)
      #expect(nok.cycleMs == 71_500 && nok.idealCycleMs == 76_000 && nok.attempts == 3)
      #expect(nok.endedAt == Date(millisecondsSince1970: baseMilliseconds + 59_999))
      #expect(nok.line == "line-1" && nok.robot == "robot-a")
      #expect(nok.modelVersion == "pi0-2026.02", "the fact carries the model that drove the cycle (group_by=model_version)")

      let line2 = try await store.cycleFacts(CycleFilter(line: "line-2"), logger: testLogger)
      #expect(line2.map(\.cell) == ["cell-02"])
      #expect(try await store.cycleFacts(CycleFilter(cell: "nope"), logger: testLogger).isEmpty)
    }
  }

  @Test("state intervals: those overlapping the window, of the cells asked for", arguments: Backend.available)
  func stateIntervals(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      // Events n cover [base + n min, base + n min + 60 s).
      var other = makeEvent(9, state: "fault")
      other.cell = "cell-02"
      _ = try await store.insertStateEvents(
        [makeEvent(1), makeEvent(2, state: "fault"), makeEvent(3, state: "planned_stop"), other], logger: testLogger)
      let window = DateInterval(
        start: Date(millisecondsSince1970: baseMilliseconds + 120_000),
        end: Date(millisecondsSince1970: baseMilliseconds + 180_000))
      let found = try await store.stateIntervals(cells: ["cell-01"], overlapping: window, logger: testLogger)
      // Event 1 ends where the window starts (exclusive end): out. Event 3 starts where it ends: out.
      #expect(found.map(\.state) == [.fault])
      #expect(found.first?.robot == "robot-a")
      #expect(found.first?.startedAt == window.start && found.first?.endedAt == window.end)

      let wide = DateInterval(start: Date(millisecondsSince1970: baseMilliseconds), duration: 3600)
      let all = try await store.stateIntervals(cells: nil, overlapping: wide, logger: testLogger)
      #expect(all.count == 4)
      #expect(try await store.stateIntervals(cells: [], overlapping: wide, logger: testLogger).isEmpty)
      let second = try await store.stateIntervals(cells: ["cell-02"], overlapping: wide, logger: testLogger)
      #expect(second.map(\.cell) == ["cell-02"])
    }
  }

  @Test("ping answers on a live store", arguments: Backend.available)
  func ping(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      try await store.ping(logger: testLogger)
    }
  }

  @Test("insert reports exactly the rows it newly stored", arguments: Backend.available)
  func reportsNewRows(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      _ = try await store.insertCycles([makeCycle(1)], logger: testLogger)
      let result = try await store.insertCyclesReportingNew(
        [makeCycle(1), makeCycle(2), makeCycle(2)], logger: testLogger)
      #expect(result.counts == IngestCounts(accepted: 1, duplicates: 2))
      #expect(result.stored.map(\.cycleID) == [cycleID(2)])
    }
  }
}

@Suite("YieldStore contract: bulk ingest")
struct YieldStoreBulkContractTests {
  @Test("a large batch (COPY path on PostgreSQL) stores text with tabs, backslashes and newlines unchanged", arguments: Backend.available)
  func bulkRoundTrip(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let rows = (0..<1_200).map { n in
        var row = makeCycle(n, endedOffsetMs: Int64(n) * 1_000 - 86_400_000 * 40)
        if n % 7 == 0 { row.partSerial = "SN\t\(n)\\back\nslash\r" }
        if n % 11 == 0 { row.modelVersion = "ünïcode-\\N-\(n)" }
        return row
      }
      let counts = try await store.insertCycles(rows + [rows[3]], logger: testLogger)
      #expect(counts == IngestCounts(accepted: 1_200, duplicates: 1))
      var read: [CycleRow] = []
      var cursor: CyclePageCursor?
      repeat {
        let page = try await store.cycles(CycleFilter(), limit: 500, after: cursor, logger: testLogger)
        read += page.rows
        cursor = page.next
      } while cursor != nil
      #expect(read.count == 1_200)
      let byID = Dictionary(uniqueKeysWithValues: read.map { ($0.cycleID, $0) })
      for row in rows { #expect(byID[row.cycleID] == row, "cycle \(row.cycleID)") }
      #expect(try await store.insertCycles(rows, logger: testLogger) == IngestCounts(accepted: 0, duplicates: 1_200))
    }
  }
}

@Suite("YieldStore contract: failure counts")
struct YieldStoreFailureCountTests {
  @Test("the database's failure counts give the same Pareto as the facts", arguments: Backend.available)
  func sameAsFacts(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      let codes = ["grip_slip", "torque_low", "grip_slip", "estop", "spline_misaligned", "grip_slip", "torque_low"]
      var rows = codes.enumerated().map { index, code in
        makeCycle(index, endedOffsetMs: Int64(index) * 1_000, outcome: code == "estop" ? "aborted" : "nok", failureCode: code)
      }
      rows += (10..<20).map { makeCycle($0, endedOffsetMs: Int64($0) * 1_000) }
      rows.append(makeCycle(30, cell: "cell-02", endedOffsetMs: 5_000, outcome: "nok", failureCode: "cross_thread"))
      _ = try await store.insertCycles(rows, logger: testLogger)
      let filter = CycleFilter(
        cell: "cell-01", from: Date(millisecondsSince1970: baseMilliseconds),
        to: Date(millisecondsSince1970: baseMilliseconds + 60_000))
      let counted = Pareto.of(counts: try await store.failureCounts(filter, logger: testLogger))
      let fromFacts = Pareto.of(try await store.cycleFacts(filter, logger: testLogger))
      #expect(counted == fromFacts)
      #expect(counted.map(\.failureCode) == [.gripSlip, .torqueLow, .estop, .splineMisaligned])
      #expect(counted.first?.count == 3)
    }
  }
}

@Suite("YieldStore contract: cycle tallies")
struct YieldStoreTallyTests {
  /// 900 cycles over two days from the base time in three cells: outcomes, attempts, cycle times,
  /// takts, robots, stations and models mixed; every 9th ends on a whole hour (a bucket's edge).
  func rows() -> [CycleRow] {
    var state: UInt64 = 3
    func next() -> Int64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int64(state >> 33)
    }
    return (0..<900).map { n in
      var offsetMs = next() % (2 * 86_400_000)
      if n.isMultiple(of: 9) { offsetMs -= offsetMs % 3_600_000 }
      let outcome = ["ok", "ok", "ok", "nok", "aborted"][Int(next() % 5)]
      var row = makeCycle(
        n, cell: "cell-0\(next() % 3)", robot: next() % 2 == 0 ? "robot-a" : "robot-b",
        station: next() % 4 == 0 ? "front_logo" : "nut_install", endedOffsetMs: offsetMs, outcome: outcome)
      row.cycleMs = 60_000 + Int(next() % 30_000)
      row.attempts = 1 + Int(next() % 3)
      row.idealCycleMs = next() % 5 == 0 ? 80_000 : 76_000
      row.modelVersion = next() % 2 == 0 ? "m1" : "m2"
      return row
    }
  }

  static let groupings: [([GroupDimension], Set<CycleTally.Column>, Bool)] = [
    ([], [], true), ([.hour], [.cell], true), ([.shift], [.cell, .idealCycleMs], false),
    ([.day, .shift], [.robot, .station, .line, .modelVersion], true), ([.hour], [.cell, .robot, .idealCycleMs], false),
  ]

  @Test("the store's counts equal the counts of its facts, for windows with edges off the millisecond", arguments: Backend.available)
  func sameAsFacts(_ backend: Backend) async throws {
    try await withStore(backend) { store, _ throws in
      // Two overlapping batches: the re-sent cycles are duplicates and must not count twice (the
      // rollup is kept by the transaction that stores a cycle, for stored cycles only); the
      // small second batch takes the INSERT path, the first COPY.
      let all = rows()
      #expect(try await store.insertCycles(Array(all[..<880]), logger: testLogger).accepted == 880)
      #expect(try await store.insertCycles(Array(all[860...]), logger: testLogger).accepted == 20)
      func calendar(_ zone: String) throws -> ShiftCalendar {
        try ShiftCalendar(
          timeZoneIdentifier: zone,
          shifts: [
            ShiftDefinition(name: "early", start: TimeOfDay(hour: 6), end: TimeOfDay(hour: 14)),
            ShiftDefinition(name: "late", start: TimeOfDay(hour: 14), end: TimeOfDay(hour: 22)),
          ])
      }
      let base = Date(millisecondsSince1970: baseMilliseconds)
      let windows = [
        DateInterval(start: base, end: base.addingTimeInterval(2 * 86_400)),
        // Edges a fraction of a millisecond off: the filter rounds them, the slicing must follow it.
        DateInterval(start: base.addingTimeInterval(3_600.0004), end: base.addingTimeInterval(90_000.0006)),
        // Off the hour, cut by shifts in a zone half an hour off UTC (the rollup's cut hours).
        DateInterval(start: base.addingTimeInterval(1_234.5), end: base.addingTimeInterval(150_000)),
      ]
      var compared = 0
      for window in windows {
        for cell in [nil, "cell-01"] {
          let filter = CycleFilter(cell: cell, from: window.start, to: window.end)
          let facts = try await store.cycleFacts(filter, logger: testLogger)
          #expect(
            Pareto.of(counts: try await store.failureCounts(filter, logger: testLogger)) == Pareto.of(facts),
            "Pareto over \(window)")
          for (dimensions, columns, percentiles) in Self.groupings {
            let zone = window == windows.last ? "Asia/Kolkata" : "Europe/Berlin"
            let timeZone = TimeZone(identifier: zone)!
            let shifts = try calendar(zone)
            for slicing in [
              Bucketing.timeSlicing(in: window, by: dimensions, calendar: shifts, timeZone: timeZone),
              TimeSlicing(buckets: Bucketing.timeBuckets(in: window, by: dimensions, calendar: shifts, timeZone: timeZone)),
            ] {
              let grouping = CycleTally.Grouping(slicing: slicing, columns: columns, cycleTimePercentiles: percentiles)
              let counted = try await store.cycleTallies(filter, grouping, logger: testLogger)
              let expected = CycleTally.tallies(of: facts, grouping)
              #expect(Set(counted) == Set(expected), "\(dimensions) \(columns) \(window)")
              #expect(counted.count == expected.count)
              compared += counted.count
            }
          }
        }
      }
      #expect(compared > 1_000)
    }
  }
}
