import Foundation
import Logging
import PostgresNIO

/// The plant's yield store on PostgreSQL, through a pooled `PostgresClient`.
///
/// The caller owns the client and must keep its `run()` going (as a `Service` in the
/// application's `ServiceGroup`, or in a task group in tests) for as long as the store is used;
/// without it every call waits for a connection. Several service replicas may share a database:
/// migrations serialize on an advisory lock, and ingest is idempotent under concurrency.
public final class PostgresYieldStore: YieldStore {
  /// PostgreSQL's limit on bound parameters per statement.
  public static let maximumParameters = 65_535

  /// The pooled client; its `run()` must be running.
  public let client: PostgresClient

  /// Creates a store over `client`; call ``migrate(logger:)`` before use.
  public init(client: PostgresClient) {
    self.client = client
  }

  /// A client configuration from a DSN such as
  /// `postgres://user:password@host:5432/database?sslmode=disable` (`sslmode` `disable` or
  /// `require`/`prefer`; default `prefer`). As with libpq, a `host` parameter naming a directory
  /// connects through the server's Unix socket there (`DIR/.s.PGSQL.PORT`), e.g.
  /// `postgres://user:password@/database?host=/var/run/postgresql` — no TCP, no TLS.
  public static func configuration(dsn: String) throws(YieldStoreError) -> PostgresClient.Configuration {
    let invalid = YieldStoreError(
      code: .invalidConfiguration,
      message: "cannot read PostgreSQL DSN; expected postgres://user:password@host:port/database?sslmode=disable"
        + " or postgres://user:password@/database?host=/socket/directory")
    guard let url = URLComponents(string: dsn), url.scheme == "postgres" || url.scheme == "postgresql",
      let user = url.user
    else { throw invalid }
    let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
    if let socketDirectory = url.queryItems?.first(where: { $0.name == "host" })?.value,
      socketDirectory.hasPrefix("/")
    {
      let socketPath = (socketDirectory.hasSuffix("/") ? socketDirectory : socketDirectory + "/")
        + ".s.PGSQL.\(url.port ?? 5432)"
      return PostgresClient.Configuration(
        unixSocketPath: socketPath, username: user, password: url.password,
        database: database.isEmpty ? nil : database)
    }
    guard let host = url.host, !host.isEmpty else { throw invalid }
    let sslMode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
    let tls: PostgresClient.Configuration.TLS
    switch sslMode {
    case "disable": tls = .disable
    case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
    case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
    default: throw invalid
    }
    return PostgresClient.Configuration(
      host: host, port: url.port ?? 5432, username: user, password: url.password,
      database: database.isEmpty ? nil : database, tls: tls)
  }

  public func migrate(logger: Logger) async throws(YieldStoreError) {
    try await transaction("migrate", logger: logger) { connection in
      try await Self.lockSchema(connection, logger: logger)
      try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
        """, logger: logger)
      var applied = Set<Int>()
      for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
        .decode(Int.self)
      {
        applied.insert(version)
      }
      for migration in PostgresMigrations.all where !applied.contains(migration.version) {
        logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        for statement in migration.statements {
          try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        try await connection.query(
          "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
          logger: logger)
      }
      try await Self.createPartitions(
        connection, months: Self.months(from: Date(), count: Self.monthsAhead + 1), logger: logger)
    }
  }

  public func insertCyclesReportingNew(_ cycles: [CycleRow], logger: Logger) async throws(YieldStoreError)
    -> (counts: IngestCounts, stored: [CycleRow])
  {
    let batch = try IngestBatch(cycles: cycles)
    guard !batch.unique.isEmpty else { return (IngestCounts(accepted: 0, duplicates: batch.received), []) }
    let (counts, stored) = try await transaction("insert cycles", logger: logger) { connection in
      // Claim ids in a fixed order so two batches sharing ids cannot deadlock.
      let claimed = try await Self.claim(
        ids: batch.ids, table: "cycle_ids", column: "cycle_id", connection: connection, logger: logger)
      var accepted = batch.unique
      var acceptedIDs = batch.ids
      if let claimed {
        accepted = []
        acceptedIDs = []
        for (row, id) in zip(batch.unique, batch.ids) where claimed.contains(id) {
          accepted.append(row)
          acceptedIDs.append(id)
        }
      }
      let width = CycleColumns.names.count
      if accepted.count >= Self.copyThreshold {
        try await Self.copy(accepted, ids: acceptedIDs, connection: connection, logger: logger)
      } else {
        for chunk in accepted.chunks(ofCount: Self.maximumParameters / width) {
          var binds = PostgresBindings(capacity: chunk.count * width)
          for row in chunk { Self.append(row, to: &binds) }
          try await connection.query(
            PostgresQuery(
              unsafeSQL: "INSERT INTO cycles (\(CycleColumns.list)) VALUES "
                + Self.placeholders(rows: chunk.count, width: width),
              binds: binds),
            logger: logger)
        }
      }
      try await Self.recordStations(of: accepted, connection: connection, logger: logger)
      try await Self.recordHours(of: accepted, connection: connection, logger: logger)
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
    let sorted = batch.unique.sorted { $0.eventID < $1.eventID }
    let counts = try await transaction("insert state events", logger: logger) { connection in
      let width = CycleColumns.stateEventNames.count
      var accepted = 0
      for chunk in sorted.chunks(ofCount: Self.maximumParameters / width) {
        var binds = PostgresBindings(capacity: chunk.count * width)
        for event in chunk {
          binds.append(UUID(uuidString: event.eventID))
          binds.append(event.cell)
          binds.append(event.robot)
          binds.append(event.state)
          binds.append(event.reason)
          binds.append(event.startedAt)
          binds.append(event.endedAt)
        }
        let rows = try await connection.query(
          PostgresQuery(
            unsafeSQL: "INSERT INTO state_events (\(CycleColumns.stateEventList)) VALUES "
              + Self.placeholders(rows: chunk.count, width: width)
              + " ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            binds: binds),
          logger: logger)
        for try await _ in rows { accepted += 1 }
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
    var binds = PostgresBindings()
    var clauses = Self.conditions(filter, binds: &binds)
    if let after {
      binds.append(Date(millisecondsSince1970: after.endedAtMilliseconds))
      binds.append(UUID(uuidString: after.cycleID))
      clauses.append("(ended_at, cycle_id) < ($\(binds.count - 1)::timestamptz(3), $\(binds.count)::uuid)")
    }
    binds.append(limit + 1)
    let sql =
      "SELECT \(CycleColumns.list) FROM cycles"
      + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
      + " ORDER BY ended_at DESC, cycle_id DESC LIMIT $\(binds.count)"
    let query = PostgresQuery(unsafeSQL: sql, binds: binds)
    let rows = try await run("query cycles") {
      var rows: [CycleRow] = []
      for try await row in try await client.query(query, logger: logger) { rows.append(try Self.cycle(from: row)) }
      return rows
    }
    return CyclePage(rows: rows, limit: limit)
  }

  public func cells(logger: Logger) async throws(YieldStoreError) -> [CellRow] {
    let rows = try await run("query cells") {
      var rows: [(CellStation, Date)] = []
      for try await (plant, line, cell, robot, station, last) in try await client.query(
        "SELECT plant, line, cell, robot, station, last_cycle_at FROM cell_stations", logger: logger
      ).decode((String, String, String, String, String, Date).self) {
        rows.append(
          (
            CellStation(plant: plant, line: line, cell: cell, robot: robot, station: station),
            last.roundedToMilliseconds
          ))
      }
      return rows
    }
    return CellStation.summaries(rows)
  }
}
