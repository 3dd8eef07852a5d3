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
