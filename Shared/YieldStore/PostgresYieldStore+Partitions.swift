import Foundation
import Logging
import PostgresNIO

extension PostgresYieldStore {
  /// Months of `cycles` partitions kept ready beyond the current one.
  public static let monthsAhead = 2

  /// Creates the monthly `cycles` partitions from the month of `from` through ``monthsAhead``
  /// months later, where missing. ``migrate(logger:)`` does this too; call it daily (or at least
  /// monthly) in a long-running service so partitions stay ahead of time.
  ///
  /// Rows that already landed in the DEFAULT partition for a new month are moved into it, so
  /// creating a partition late never fails.
  public func ensurePartitions(from: Date = Date(), logger: Logger) async throws(YieldStoreError) {
    try await transaction("ensure partitions", logger: logger) { connection in
      try await Self.lockSchema(connection, logger: logger)
      try await Self.createPartitions(
        connection, months: Self.months(from: from, count: Self.monthsAhead + 1), logger: logger)
    }
  }

  /// The first instants (UTC) of `count` consecutive months starting with the month of `from`.
  static func months(from: Date, count: Int) -> [(start: Date, end: Date)] {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let first = calendar.date(from: calendar.dateComponents([.year, .month], from: from))!
    return (0..<count).map { offset in
      let start = calendar.date(byAdding: .month, value: offset, to: first)!
      return (start, calendar.date(byAdding: .month, value: 1, to: start)!)
    }
  }

  /// Creates each missing month partition; the caller holds the schema lock in this transaction.
  static func createPartitions(
    _ connection: PostgresConnection, months: [(start: Date, end: Date)], logger: Logger
  ) async throws {
    let format = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
    for (start, end) in months {
      let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: start)
      let name = String(format: "cycles_p%04d%02d", components.year!, components.month!)
      let exists = try await connection.query(
        """
        SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = \(name) AND n.nspname = current_schema()
        """, logger: logger
      ).collect()
      guard exists.isEmpty else { continue }
      let from = "'\(start.formatted(format))'"
      let to = "'\(end.formatted(format))'"
      logger.info("creating cycles partition", metadata: ["partition": "\(name)"])
      for statement in [
        "CREATE TABLE \(name) (LIKE cycles INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        """
        WITH moved AS (DELETE FROM cycles_default WHERE ended_at >= \(from) AND ended_at < \(to) RETURNING *)
        INSERT INTO \(name) SELECT * FROM moved
        """,
        "ALTER TABLE cycles ATTACH PARTITION \(name) FOR VALUES FROM (\(from)) TO (\(to))",
      ] {
        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
      }
    }
  }
}
