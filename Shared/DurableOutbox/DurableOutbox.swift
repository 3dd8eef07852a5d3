import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// One record waiting in the outbox: its idempotency key (e.g. a `cycle_id`) and its bytes
/// (e.g. a serialized CycleRecord). The receiver must treat a repeated id as a no-op.
public struct OutboxEntry: Sendable, Hashable {
  public var id: String
  public var payload: [UInt8]

  public init(id: String, payload: [UInt8]) {
    self.id = id
    self.payload = payload
  }
}

/// An error of the outbox: its file cannot be opened or written.
public struct OutboxError: Error, Sendable, CustomStringConvertible {
  public var description: String
}

/// A store-and-forward queue in a SQLite file: records are on disk (synchronous=FULL, WAL) before
/// `append` returns, survive restarts and crashes, and leave only when the receiver acknowledged
/// them. The cell's cycle records go through it to the yield service, which may be down for hours.
///
/// Beside the queue it journals what is *in flight* (`begin`): an entry started but not yet
/// appended. `append` of the same id ends it; what a crash leaves in flight is listed by
/// `inFlight()` at the next start, so the caller can store it as interrupted.
public final class DurableOutbox: Sendable {
  let connection: SQLiteConnection
  private let threadPool: NIOThreadPool

  private init(connection: SQLiteConnection, threadPool: NIOThreadPool) {
    self.connection = connection
    self.threadPool = threadPool
  }

  /// Opens (creating if needed) the outbox file at `path`.
  public static func open(path: String, logger: Logger) async throws(OutboxError) -> DurableOutbox {
    let pool = NIOThreadPool(numberOfThreads: 1)
    pool.start()
    do {
      let connection = try await SQLiteConnection.open(
        storage: .file(path: path), threadPool: pool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
      for statement in [
        "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000",
        """
        CREATE TABLE IF NOT EXISTS outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          payload BLOB NOT NULL,
          appended_at INTEGER NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS in_flight (
          id TEXT PRIMARY KEY NOT NULL,
          payload BLOB NOT NULL,
          begun_at INTEGER NOT NULL
        )
        """,
      ] {
        _ = try await connection.query(statement)
      }
      return DurableOutbox(connection: connection, threadPool: pool)
    } catch {
      try? await pool.shutdownGracefully()
      throw OutboxError(description: "cannot open the outbox \(path): \(error)")
    }
  }

  /// Closes the file; call once nothing uses the outbox any more.
  public func close() async {
    try? await connection.close()
    try? await threadPool.shutdownGracefully()
  }

  /// Stores `entry` durably; a second entry with the same id is ignored (already queued). Ends
  /// the in-flight entry of the same id, if any (after the append: a crash in between leaves it
  /// in flight, and the receiver treats the id's second record as a no-op).
  public func append(_ entry: OutboxEntry) async throws(OutboxError) {
    do {
      _ = try await connection.query(
        "INSERT INTO outbox (id, payload, appended_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        [.text(entry.id), .blob(.init(bytes: entry.payload)), .integer(Int(Date().timeIntervalSince1970 * 1000))])
      _ = try await connection.query("DELETE FROM in_flight WHERE id = ?", [.text(entry.id)])
    } catch {
      throw OutboxError(description: "cannot write to the outbox: \(error)")
    }
  }

  /// Journals `entry` as started (durably, before returning): it stays in flight until `append`
  /// of the same id. Beginning an id again replaces its payload.
  public func begin(_ entry: OutboxEntry) async throws(OutboxError) {
    do {
      _ = try await connection.query(
        "INSERT INTO in_flight (id, payload, begun_at) VALUES (?, ?, ?) "
          + "ON CONFLICT (id) DO UPDATE SET payload = excluded.payload",
        [.text(entry.id), .blob(.init(bytes: entry.payload)), .integer(Int(Date().timeIntervalSince1970 * 1000))])
    } catch {
      throw OutboxError(description: "cannot journal an entry in flight: \(error)")
    }
  }

  /// The entries begun and never appended (a crash interrupted them), oldest first.
  public func inFlight() async throws(OutboxError) -> [OutboxEntry] {
    try await entries("SELECT id, payload FROM in_flight ORDER BY begun_at, id", [], what: "the in-flight journal")
  }

  /// The oldest `limit` entries not yet acknowledged, oldest first.
  public func pending(limit: Int) async throws(OutboxError) -> [OutboxEntry] {
    try await entries("SELECT id, payload FROM outbox ORDER BY seq LIMIT ?", [.integer(limit)], what: "the outbox")
  }

  /// The (id, payload) rows `sql` selects, as entries.
  private func entries(_ sql: String, _ binds: [SQLiteData], what: String) async throws(OutboxError) -> [OutboxEntry] {
    do {
      return try await connection.query(sql, binds).map { row in
        guard let id = row.column("id")?.string, case .blob(var blob)? = row.column("payload") else {
          throw OutboxError(description: "\(what) holds a row without id or payload")
        }
        return OutboxEntry(id: id, payload: blob.readBytes(length: blob.readableBytes) ?? [])
      }
    } catch let error as OutboxError {
      throw error
    } catch {
      throw OutboxError(description: "cannot read \(what): \(error)")
    }
  }

  /// Removes delivered entries.
  public func acknowledge(_ ids: [String]) async throws(OutboxError) {
    guard !ids.isEmpty else { return }
    do {
      _ = try await connection.query(
        "DELETE FROM outbox WHERE id IN (" + Array(repeating: "?", count: ids.count).joined(separator: ",") + ")",
        ids.map { .text($0) })
    } catch {
      throw OutboxError(description: "cannot acknowledge outbox entries: \(error)")
    }
  }

  /// How many entries wait.
  public func count() async throws(OutboxError) -> Int {
    do {
      return try await connection.query("SELECT count(*) AS n FROM outbox").first?.column("n")?.integer ?? 0
    } catch {
      throw OutboxError(description: "cannot count the outbox: \(error)")
    }
  }

  /// Delivers entries in order, in batches of up to `batchSize`, until cancelled: looks for new
  /// entries every `idlePoll` when empty, and after a failed delivery backs off from 100 ms up to
  /// `maxBackoff`. `deliver` must return only once the receiver has committed the batch;
  /// `acknowledged` hears of each batch once it has left the outbox (a count of what waits is
  /// right from then on, not before).
  public func deliver(
    batchSize: Int = 500, idlePoll: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5),
    logger: Logger, acknowledged: (@Sendable ([OutboxEntry]) async -> Void)? = nil,
    to deliver: @Sendable ([OutboxEntry]) async throws -> Void
  ) async {
    var backoff = Duration.milliseconds(100)
    while !Task.isCancelled {
      let batch: [OutboxEntry]
      do {
        batch = try await pending(limit: batchSize)
      } catch {
        logger.error("outbox read failed", metadata: ["error": "\(error)"])
        try? await Task.sleep(for: backoff)
        continue
      }
      if batch.isEmpty {
        try? await Task.sleep(for: idlePoll)
        continue
      }
      do {
        try await deliver(batch)
        try await acknowledge(batch.map(\.id))
        backoff = .milliseconds(100)
        await acknowledged?(batch)
      } catch {
        logger.warning(
          "outbox delivery failed; will retry",
          metadata: ["entries": "\(batch.count)", "error": "\(error)", "retry_in": "\(backoff)"])
        try? await Task.sleep(for: backoff)
        backoff = min(backoff * 2, maxBackoff)
      }
    }
  }
}
