import ArgumentParser
import CellWorld
import CycleSequencing
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Logging
import PostgresNIO
import SwiftProtobuf
import WorkcellProto
import YieldKPI
import YieldStore

/// `workcell-bench yield-ingest`: cycles per second through the gRPC API into PostgreSQL, beside
/// raw `COPY` of the same rows on the same server.
struct YieldIngestBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "yield-ingest",
    abstract: "Cycles/s ingested through yield's gRPC ReportCycles into PostgreSQL, vs raw COPY (anchor).",
    discussion: """
      Creates a database of its own on the server --postgres names (default: \
      $WORKCELL_TEST_POSTGRES_DSN, else one scripts/test-db.sh starts), starts the yield \
      executable built beside this one on it, streams generated cycles over several concurrent \
      ReportCycles calls (each one all-or-nothing batch), checks every row arrived, then COPYs the \
      same rows into a plain table of the same columns on the same server. Drops the database. \
      With --durable the server runs as plants run it (fsync, synchronous_commit and \
      full_page_writes on: scripts/test-db.sh --durable, or a --postgres server set so) and the \
      anchor is as strict as the service: COPY into a table with the cycles table's indexes and \
      constraints, one transaction per --batch rows, --concurrency at once.
      """)

  @Option(help: "PostgreSQL DSN of a server the benchmark may create a database on.")
  var postgres: String?
  @Option(help: "Cycles to ingest.")
  var cycles: Int = 500_000
  @Option(help: "Cycles per ReportCycles call (one transaction each).")
  var batch: Int = 20_000
  @Option(help: "Cycles per stream message.")
  var perMessage: Int = 1_000
  @Option(help: "Concurrent ReportCycles calls.")
  var concurrency: Int = 4
  @Option(help: "Cycle ids the generated cells mint: v7 (time-ordered, as Workcell's cell does) or v4 (random).")
  var ids: CycleIDStyle = .timeOrdered
  @Flag(help: "Measure on a server with fsync, synchronous_commit and full_page_writes on, against an anchor with the same indexes and transactions.")
  var durable = false

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with `swift run -c release workcell-bench yield-ingest`.")
    #endif
    var logger = Logger(label: "yield-bench")
    logger.logLevel = .warning
    let database = try await YieldBenchDatabase.create(dsn: postgres, durable: durable, logger: logger)
    do {
      try await measure(database: database, logger: logger)
    } catch {
      await database.drop(logger: logger)
      throw error
    }
    await database.drop(logger: logger)
  }

  func measure(database: YieldBenchDatabase, logger: Logger) async throws {
    print(
      "yield-ingest: \(cycles) cycles, \(batch) per call, \(perMessage) per message, \(concurrency) calls at once, "
        + "UUID \(ids.rawValue) cycle ids")
    let start = Date(timeIntervalSince1970: 1_795_564_800)  // 2026-11-25T00:00:00Z
    let records = (0..<cycles).map { GeneratedPlant.cycle($0, cells: 100, start: start, spacingS: 76, ids: ids) }
    let service = try await YieldUnderBench.start(dsn: database.dsn)
    // The cells' side is done before the clock starts: each call's messages are serialized here
    // (in a plant the cells do that on their own machines), so the 2 cores measured are shared
    // by yield and PostgreSQL only, plus the client's HTTP/2 framing.
    let perMessage = self.perMessage
    let batches: [[[UInt8]]] = try stride(from: 0, to: records.count, by: batch).map { first in
      let chunk = records[first..<min(first + batch, records.count)]
      return try stride(from: chunk.startIndex, to: chunk.endIndex, by: perMessage).map { start in
        try Workcell_Yield_V1_ReportCyclesRequest.with {
          $0.cycles = Array(chunk[start..<min(start + perMessage, chunk.endIndex)])
        }.serializedBytes()
      }
    }
    let clock = ContinuousClock()
    let began = clock.now
    let accepted = try await service.withGRPCClient { client in
      try await withThrowingTaskGroup(of: UInt64.self) { group in
        var next = 0
        var total: UInt64 = 0
        func launch(_ messages: [[UInt8]]) {
          group.addTask {
            try await client.clientStreaming(
              request: StreamingClientRequest(producer: { writer in
                for message in messages { try await writer.write(message) }
              }),
              descriptor: Workcell_Yield_V1_Yield.Method.ReportCycles.descriptor,
              serializer: SerializedMessage(),
              deserializer: ProtobufDeserializer<Workcell_Yield_V1_ReportCyclesResponse>(),
              options: .defaults
            ) { try $0.message.accepted }
          }
        }
        while next < min(concurrency, batches.count) {
          launch(batches[next])
          next += 1
        }
        while let done = try await group.next() {
          total += done
          if next < batches.count {
            launch(batches[next])
            next += 1
          }
        }
        return total
      }
    }
    let elapsed = clock.now - began
    await service.process.stop()
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    guard accepted == UInt64(cycles) else { throw BenchError("yield accepted \(accepted) of \(cycles) cycles") }

    // Every row is there, in the service's own table.
    let check = PostgresClient(configuration: try PostgresYieldStore.configuration(dsn: database.dsn), backgroundLogger: logger)
    let checkTask = Task { await check.run() }
    defer { checkTask.cancel() }
    var stored = 0
    for try await count in try await check.query("SELECT count(*) FROM cycles", logger: logger).decode(Int.self) {
      stored = count
    }
    guard stored == cycles else { throw BenchError("the cycles table holds \(stored) rows, expected \(cycles)") }
    // The server settings the figures depend on most, so a run's output says what it measured.
    var settings: [String] = []
    for try await (name, value) in try await check.query(
      "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
      logger: logger
    ).decode((String, String).self) {
      settings.append("\(name)=\(value)")
    }
    print("server: PostgreSQL " + settings.joined(separator: ", "))

    // The anchor: raw COPY of the same rows. Plain: one COPY into a table of the same columns, no
    // indexes. Durable: into a table with the cycles table's indexes and constraints, in the
    // service's transactions (--batch rows each, --concurrency at once), every commit on disk.
    let text = records.map(Self.copyLine)
    try await check.query(
      PostgresQuery(unsafeSQL: "CREATE TABLE raw_copy_anchor (LIKE cycles INCLUDING \(durable ? "ALL" : "DEFAULTS"))"),
      logger: logger)
    let copyBegan = clock.now
    if durable {
      let chunks = stride(from: 0, to: text.count, by: batch).map { Array(text[$0..<min($0 + batch, text.count)]) }
      try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func launch(_ lines: [String]) {
          group.addTask { try await Self.copy(lines, into: check, logger: logger) }
        }
        while next < min(concurrency, chunks.count) {
          launch(chunks[next])
          next += 1
        }
        while try await group.next() != nil {
          guard next < chunks.count else { continue }
          launch(chunks[next])
          next += 1
        }
      }
    } else {
      try await Self.copy(text, into: check, logger: logger)
    }
    let copyElapsed = clock.now - copyBegan
    let copySeconds = Double(copyElapsed.components.seconds) + Double(copyElapsed.components.attoseconds) / 1e18

    let rate = Double(cycles) / seconds
    let copyRate = Double(cycles) / copySeconds
    print("yield_ingest_grpc_rate: \(GRPCHopBenchmark.decimal(rate, 0)) cycles/s")
    print("yield_ingest_grpc_seconds: \(GRPCHopBenchmark.decimal(seconds, 2)) s")
    print("raw_copy_rate: \(GRPCHopBenchmark.decimal(copyRate, 0)) rows/s")
    print("yield_ingest_ratio_to_raw_copy: \(GRPCHopBenchmark.decimal(rate / copyRate, 2)) x")
    print("yield_ingest_target: 100000 cycles/s (\(rate >= 100_000 ? "met" : "NOT met"))")
    if durable {
      print(
        "raw_copy_anchor: same indexes and constraints, \(batch) rows per transaction, \(concurrency) at once, "
          + "fsync/synchronous_commit/full_page_writes on")
      print("yield_ingest_ratio_target: 0.75 x (\(rate / copyRate >= 0.75 ? "met" : "NOT met"))")
    }
  }

  /// COPY `lines` (COPY text format) into the anchor table, one transaction.
  static func copy(_ lines: [String], into client: PostgresClient, logger: Logger) async throws {
    try await client.withConnection { connection in
      try await connection.copyFrom(table: "raw_copy_anchor", columns: Self.columns, logger: logger) { writer in
        var buffer = ByteBuffer()
        for line in lines {
          buffer.writeString(line)
          if buffer.readableBytes > 1 << 20 {
            try await writer.write(buffer)
            buffer.clear()
          }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
      }
    }
  }

  static let columns = [
    "cycle_id", "plant", "line", "cell", "robot", "station", "part_serial", "started_at", "ended_at", "cycle_ms",
    "outcome", "attempts", "failure_code", "torque_nm", "angle_deg", "model_version", "ideal_cycle_ms",
  ]

  /// One row in COPY text format, in the cycles table's column order.
  static func copyLine(_ record: Workcell_Common_V1_CycleRecord) -> String {
    func time(_ stamp: Google_Protobuf_Timestamp) -> String {
      stamp.date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
    let outcome = ["", "ok", "nok", "aborted"][record.outcome.rawValue]
    let failure = FailureCode.allCases.indices.contains(record.failureCode.rawValue - 1)
      ? FailureCode.allCases[record.failureCode.rawValue - 1].rawValue : "\\N"
    let fields = [
      record.cycleID, record.plant, record.line, record.cell, record.robot, record.station, "\\N",
      time(record.startedAt), time(record.endedAt), "\(record.cycleMs)", outcome, "\(record.attempts)", failure,
      record.hasTorqueNm ? "\(record.torqueNm)" : "\\N", record.hasAngleDeg ? "\(record.angleDeg)" : "\\N",
      record.modelVersion, "\(record.idealCycleMs)",
    ]
    return fields.joined(separator: "\t") + "\n"
  }
}
