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
