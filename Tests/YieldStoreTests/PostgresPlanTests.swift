import Foundation
import PostgresNIO
import Testing

@testable import YieldStore

@Suite("PostgreSQL query plans")
struct PostgresPlanTests {
  @Test(
    "a query by cell reads the per-cell index on the cell's hash, and answers that cell only",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"))
  func perCellIndex() async throws {
    try await withStore(.postgres) { store, _ throws in
      let postgres = try #require(store as? PostgresYieldStore)
      let rows = (0..<200).map { makeCycle($0, cell: "cell-\($0 % 4)", endedOffsetMs: Int64($0) * 1_000) }
      #expect(try await store.insertCycles(rows, logger: testLogger).accepted == 200)

      var filter = CycleFilter()
      filter.cell = "cell-1"
      var binds = PostgresBindings()
      let clauses = PostgresYieldStore.conditions(filter, binds: &binds)
      let query = PostgresQuery(
        unsafeSQL: "EXPLAIN SELECT cycle_id FROM cycles WHERE " + clauses.joined(separator: " AND "), binds: binds)
      let plan = try await postgres.client.withConnection { connection in
        // A 200-row table is read whole otherwise; the question is whether the index can serve.
        try await connection.query("SET enable_seqscan = off", logger: testLogger)
        var lines: [String] = []
        for try await line in try await connection.query(query, logger: testLogger).decode(String.self) {
          lines.append(line)
        }
        return lines.joined(separator: "\n")
      }
      #expect(plan.contains("Index Cond: (hashtext(cell) ="), "\(plan)")

      let page = try await store.cycles(filter, limit: 100, after: nil, logger: testLogger)
      #expect(page.rows == newestFirst(rows.filter { $0.cell == "cell-1" }))
    }
  }
}

@Suite("The cycle_hours rollup: which hours a count reads from it")
struct RollupPlanTests {
  let hour: Int64 = 3_600_000

  @Test("whole hours from the rollup, ragged ends from the cycles")
  func raggedEnds() {
    let plan = RollupPlan(fromMs: 10 * hour + 400, toMs: 14 * hour + 5, boundariesMs: [])
    #expect(plan.rollupHours?.startMs == 11 * hour && plan.rollupHours?.endMs == 14 * hour)
    #expect(plan.cutHoursMs.isEmpty)
    #expect(plan.rawRangesMs.map { [$0.0, $0.1] } == [[10 * hour + 400, 11 * hour], [14 * hour, 14 * hour + 5]])
  }

  @Test("an hour-aligned window with boundaries on the hour reads no cycle")
  func aligned() {
    let plan = RollupPlan(fromMs: 6 * hour, toMs: 14 * hour, boundariesMs: [8 * hour, 12 * hour])
    #expect(plan.rollupHours?.startMs == 6 * hour && plan.rollupHours?.endMs == 14 * hour)
    #expect(plan.cutHoursMs.isEmpty && plan.rawRangesMs.isEmpty)
  }

  @Test("an hour a boundary cuts (a shift at :30) is read from the cycles; adjacent ranges merge")
  func cutHours() {
    let plan = RollupPlan(
      fromMs: 6 * hour, toMs: 14 * hour, boundariesMs: [5 * hour + 1, 7 * hour + 1_800_000, 13 * hour + 1, 20 * hour])
    #expect(plan.cutHoursMs == [7 * hour, 13 * hour])
    #expect(plan.rawRangesMs.map { [$0.0, $0.1] } == [[7 * hour, 8 * hour], [13 * hour, 14 * hour]])
  }

  @Test("no whole hour inside the window: everything from the cycles")
  func noWholeHour() {
    let plan = RollupPlan(fromMs: 10 * hour + 1, toMs: 11 * hour + 7, boundariesMs: [])
    #expect(plan.rollupHours == nil)
    #expect(plan.rawRangesMs.map { [$0.0, $0.1] } == [[10 * hour + 1, 11 * hour + 7]])
  }
}
