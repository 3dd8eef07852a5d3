import Foundation
import PostgresNIO
import Testing
import YieldStore

@Suite("PostgreSQL partitions")
struct PostgresPartitionTests {
  @Test(
    "a late partition takes over the rows the DEFAULT partition caught",
    .enabled(if: Backend.postgresDSN != nil, "WORKCELL_TEST_POSTGRES_DSN is unset"))
  func latePartition() async throws {
    try await withStore(.postgres) { store, _ throws in
      let postgres = try #require(store as? PostgresYieldStore)
      // 2027-06-10T00:00:00Z: beyond the partitions made ahead, so it lands in DEFAULT first.
      let june2027: Int64 = 1_812_153_600_000
      let rows = (0..<10).map { makeCycle($0, endedOffsetMs: june2027 - baseMilliseconds + Int64($0) * 1_000) }
      #expect(try await store.insertCycles(rows, logger: testLogger).accepted == 10)
      try await postgres.ensurePartitions(from: Date(millisecondsSince1970: june2027), logger: testLogger)
      try await postgres.ensurePartitions(from: Date(millisecondsSince1970: june2027), logger: testLogger)
      let counts = try await postgres.client.query(
        "SELECT (SELECT count(*) FROM cycles_p202706)::int8, (SELECT count(*) FROM cycles_default)::int8",
        logger: testLogger
      ).collect()
      let (inJune, inDefault) = try #require(counts.first).decode((Int, Int).self)
      #expect(inJune == 10)
      #expect(inDefault == 0)
      let page = try await store.cycles(CycleFilter(), limit: 100, after: nil, logger: testLogger)
      #expect(page.rows == newestFirst(rows))
      // The id is still taken after the move.
      #expect(try await store.insertCycles([rows[0]], logger: testLogger).duplicates == 1)
    }
  }
}
