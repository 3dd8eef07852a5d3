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

/// A PostgreSQL database of its own for one benchmark run, on the server the DSN names (or on
/// one `scripts/test-db.sh` starts), dropped afterwards; and the `yield` executable on it.
struct YieldBenchDatabase {
  let adminDSN: String
  let name: String
  let admin: PostgresClient
  let runTask: Task<Void, Never>
  let startedServerDir: String?

  var dsn: String {
    var url = URLComponents(string: adminDSN)!
    url.path = "/" + name
    return url.string!
  }

  static func create(dsn explicit: String?, logger: Logger) async throws -> YieldBenchDatabase {
    var dsn = explicit ?? ProcessInfo.processInfo.environment["WORKCELL_TEST_POSTGRES_DSN"]
    var serverDir: String?
    if dsn == nil || dsn!.isEmpty {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yield-bench-pg-\(getpid())").path
      print("no --postgres DSN: starting PostgreSQL with scripts/test-db.sh in \(dir)")
      dsn = try Self.shell(["scripts/test-db.sh", "start", "--dir", dir]).trimmingCharacters(in: .whitespacesAndNewlines)
      serverDir = dir
    }
    let configuration = try PostgresClient.Configuration(dsnForBench: dsn!)
    let admin = PostgresClient(configuration: configuration, backgroundLogger: logger)
    let runTask = Task { await admin.run() }
    let name = "workcell_bench_\(getpid())_\(Int(Date().timeIntervalSince1970))"
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    return YieldBenchDatabase(adminDSN: dsn!, name: name, admin: admin, runTask: runTask, startedServerDir: serverDir)
  }

  func drop(logger: Logger) async {
    // WITH (FORCE) alone failed whenever autovacuum was working on the fresh tables (terminating
    // it needs pg_signal_backend) and left the database behind; a plain DROP stops autovacuum
    // itself but fails while our own connections linger. Try both, a few times.
    attempts: for _ in 0..<10 {
      for option in ["", " WITH (FORCE)"] {
        let sql = "DROP DATABASE IF EXISTS \(name)" + option
        if (try? await admin.query(PostgresQuery(unsafeSQL: sql), logger: logger)) != nil { break attempts }
      }
      try? await Task.sleep(for: .milliseconds(500))
    }
    runTask.cancel()
    if let dir = startedServerDir { _ = try? Self.shell(["scripts/test-db.sh", "stop", "--dir", dir]) }
  }

  static func shell(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    // A file, not a pipe: the PostgreSQL server test-db.sh starts outlives it, and a pipe it
    // inherited anywhere down the line would never reach end-of-file (the benchmark hung there).
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("workcell-bench-\(getpid())-\(UUID()).out")
    guard FileManager.default.createFile(atPath: output.path, contents: nil),
      let handle = FileHandle(forWritingAtPath: output.path)
    else { throw BenchError("cannot create \(output.path)") }
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = handle
    try process.run()
    process.waitUntilExit()
    try? handle.close()
    guard process.terminationStatus == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed") }
    return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
  }
}

extension PostgresClient.Configuration {
  init(dsnForBench dsn: String) throws {
    guard let url = URLComponents(string: dsn), let host = url.host, let user = url.user else {
      throw BenchError("--postgres must look like postgres://user[:password]@host:port/database, got \(dsn)")
    }
    self.init(
      host: host, port: url.port ?? 5432, username: user, password: url.password,
      database: url.path.count > 1 ? String(url.path.dropFirst()) : nil, tls: .disable)
  }
}

/// The `yield` executable started for a benchmark, and a gRPC client to it.
struct YieldUnderBench {
  let process: ChildProcess
  let grpcPort: Int

  static func start(dsn: String, extraArguments: [String] = []) async throws -> YieldUnderBench {
    let own = try GRPCHopBenchmark.ownExecutable()
    let yieldPath = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("yield").path
    guard FileManager.default.isExecutableFile(atPath: yieldPath) else {
      throw BenchError("no yield executable beside \(own); build it: swift build -c release --product yield")
    }
    let grpcPort = try FreePort.pick()
    let httpPort = try FreePort.pick()
    let process = try ChildProcess(
      executable: yieldPath,
      arguments: [
        "--grpc-port", "\(grpcPort)", "--http-port", "\(httpPort)", "--postgres", dsn, "--log-level", "error",
        "--kpi-refresh-s", "0",
      ] + extraArguments)
    let service = YieldUnderBench(process: process, grpcPort: grpcPort)
    // Ready once it answers a query (migrations applied).
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      do {
        _ = try await service.withClient { try await $0.listCells(.init()) }
        return service
      } catch {
        guard ContinuousClock.now < deadline else {
          await process.stop()
          throw BenchError("yield did not answer within 60 s: \(error)")
        }
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }

  func withClient<T: Sendable>(
    _ body: (Workcell_Yield_V1_Yield.Client<HTTP2ClientTransport.Posix>) async throws -> T
  ) async throws -> T {
    try await withGRPCClient { client in try await body(Workcell_Yield_V1_Yield.Client(wrapping: client)) }
  }

  /// The plain gRPC client, for calls with messages serialized beforehand.
  func withGRPCClient<T: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
    try await GRPCCore.withGRPCClient(
      transport: .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext,
        config: .defaults { $0.http2.maxFrameSize = 1 << 20 })
    ) { client in
      try await body(client)
    }
  }
}

/// A message already serialized: its bytes as they are.
struct SerializedMessage: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

/// Deterministic cycle records of a generated plant.
enum GeneratedPlant {
  static let failureCodes: [Workcell_Common_V1_FailureCode] = [
    .splineMisaligned, .gripSlip, .magneticPullOff, .nutNotSeated, .crossThread, .torqueLow, .visionLost,
  ]

  /// Cycle `index` of a plant of `cells` cells, every cell finishing one cycle each `spacingS`
  /// seconds from `start`, spread over its two robots.
  static func cycle(
    _ index: Int, cells: Int, start: Date, spacingS: Double, ids: CycleIDStyle = .timeOrdered
  ) -> Workcell_Common_V1_CycleRecord {
    var random = WorldRandom(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    let cell = index % cells
    let slot = index / cells
    let ended = start.addingTimeInterval(Double(slot) * spacingS + Double(cell) * 0.37)
    let cycleMs = UInt32(66_000 + random.next() % 14_000)
    let roll = random.next() % 1000
    return .with {
      switch ids {
      case .timeOrdered:
        let startedMs = UInt64((ended.timeIntervalSince1970 * 1000).rounded()) - UInt64(cycleMs)
        $0.cycleID = CycleID.make(unixMilliseconds: startedMs, random: (random.next(), UInt64(index)))
      case .random: $0.cycleID = UUIDv4.make(from: &random, index: index)
      }
      $0.plant = "plant-bench"
      $0.line = "line-\(cell / 10 + 1)"
      $0.cell = "cell-\(String(format: "%03d", cell + 1))"
      $0.robot = "robot-\(slot % 2 == 0 ? "left" : "right")"
      $0.station = "nut_install"
      $0.startedAt = Google_Protobuf_Timestamp(date: ended.addingTimeInterval(-Double(cycleMs) / 1000))
      $0.endedAt = Google_Protobuf_Timestamp(date: ended)
      $0.cycleMs = cycleMs
      $0.idealCycleMs = 76_000
      $0.modelVersion = "act-bench"
      $0.attempts = roll < 900 ? 1 : 2
      if roll < 955 {
        $0.outcome = .ok
        $0.torqueNm = 12 + Double(random.next() % 100) / 100
        $0.angleDeg = 90
      } else if roll < 995 {
        $0.outcome = .nok
        $0.failureCode = failureCodes[Int(random.next() % UInt64(failureCodes.count))]
      } else {
        $0.outcome = .aborted
        $0.failureCode = .estop
      }
    }
  }
}

/// Which ids the generated cells mint.
enum CycleIDStyle: String, ExpressibleByArgument, CaseIterable, Sendable {
  /// UUID v7, as Workcell's cell mints them (CycleSequencing.CycleID).
  case timeOrdered = "v7"
  /// UUID v4, as a foreign MES client might.
  case random = "v4"
}

enum UUIDv4 {
  /// A version-4 UUID string, unique per index (the index fills the last 48 bits).
  static func make(from random: inout WorldRandom, index: Int) -> String {
    let high = random.next()
    let a = UInt32(truncatingIfNeeded: high >> 32)
    let b = UInt16(truncatingIfNeeded: high >> 16)
    let c = UInt16(truncatingIfNeeded: high) & 0x0FFF | 0x4000
    let d = UInt16(truncatingIfNeeded: random.next()) & 0x3FFF | 0x8000
    return String(format: "%08x-%04x-%04x-%04x-%012llx", a, b, c, d, UInt64(index) & 0xFFFF_FFFF_FFFF)
  }
}

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
      same rows into a plain table of the same columns on the same server. Drops the database.
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

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with `swift run -c release workcell-bench yield-ingest`.")
    #endif
    var logger = Logger(label: "yield-bench")
    logger.logLevel = .warning
    let database = try await YieldBenchDatabase.create(dsn: postgres, logger: logger)
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
    let check = PostgresClient(configuration: try .init(dsnForBench: database.dsn), backgroundLogger: logger)
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
      "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit') ORDER BY name",
      logger: logger
    ).decode((String, String).self) {
      settings.append("\(name)=\(value)")
    }
    print("server: PostgreSQL " + settings.joined(separator: ", "))

    // The anchor: raw COPY of the same rows into a plain table with the same columns, no indexes.
    try await check.query("CREATE TABLE raw_copy_anchor (LIKE cycles INCLUDING DEFAULTS)", logger: logger)
    let text = records.map(Self.copyLine)
    let copyBegan = clock.now
    try await check.withConnection { connection in
      try await connection.copyFrom(table: "raw_copy_anchor", columns: Self.columns, logger: logger) { writer in
        var buffer = ByteBuffer()
        for line in text {
          buffer.writeString(line)
          if buffer.readableBytes > 1 << 20 {
            try await writer.write(buffer)
            buffer.clear()
          }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
      }
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

/// `workcell-bench yield-query`: the MES's questions over a generated plant (default 100 cells
/// × 30 days of 76 s cycles, ~3.4 M cycles, with fault and planned-stop events), through gRPC.
struct YieldQueryBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "yield-query",
    abstract: "Latency of MES queries (OEE per cell per shift, …) over a generated plant in PostgreSQL.",
    discussion: """
      Generates the plant, ingests it through yield's gRPC API into a database of its own \
      (as yield-ingest does), with deploy/plant.example.yaml's shift calendar (Europe/Berlin, \
      three shifts with breaks), then times sequential queries: OEE of one random cell over one \
      random shift; OEE of one cell over the 30 days grouped by shift; yield of the whole plant \
      over one shift grouped by cell; the failure Pareto of one cell over 30 days.
      """)

  @Option(help: "PostgreSQL DSN of a server the benchmark may create a database on.")
  var postgres: String?
  @Option(help: "Cells in the generated plant.")
  var cells: Int = 100
  @Option(help: "Days of production.")
  var days: Int = 30
  @Option(help: "Queries timed per kind.")
  var queries: Int = 200
  @Option(help: "Plant file with the shift calendar.")
  var plantConfig: String = "deploy/plant.example.yaml"

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with `swift run -c release workcell-bench yield-query`.")
    #endif
    var logger = Logger(label: "yield-bench")
    logger.logLevel = .warning
    let database = try await YieldBenchDatabase.create(dsn: postgres, logger: logger)
    do {
      try await measure(database: database)
    } catch {
      await database.drop(logger: logger)
      throw error
    }
    await database.drop(logger: logger)
  }

  func measure(database: YieldBenchDatabase) async throws {
    let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    let start = end.addingTimeInterval(-Double(days) * 86_400)
    let slots = Int(Double(days) * 86_400 / 76)
    let total = slots * cells
    print("yield-query: \(cells) cells × \(days) days = \(total) cycles, \(queries) queries per kind")
    let service = try await YieldUnderBench.start(
      dsn: database.dsn, extraArguments: ["--plant-config", plantConfig])
    defer { Task { await service.process.stop() } }

    let clock = ContinuousClock()
    let loadBegan = clock.now
    try await service.withClient { client in
      try await withThrowingTaskGroup(of: Void.self) { group in
        let chunk = 20_000
        var nextStart = 0
        func launch(_ from: Int) {
          group.addTask {
            let upper = min(from + chunk, total)
            _ = try await client.reportCycles(
              requestProducer: { writer in
                var index = from
                while index < upper {
                  let stop = min(index + 1_000, upper)
                  try await writer.write(
                    .with {
                      $0.cycles = (index..<stop).map {
                        GeneratedPlant.cycle($0, cells: cells, start: start, spacingS: 76)
                      }
                    })
                  index = stop
                }
              })
          }
        }
        for _ in 0..<4 where nextStart < total {
          launch(nextStart)
          nextStart += chunk
        }
        while try await group.next() != nil {
          if nextStart < total {
            launch(nextStart)
            nextStart += chunk
          }
        }
      }
      // Each cell: a 20-minute fault every day at 10:00 UTC and a planned stop at 03:00 UTC.
      var events: [Workcell_Common_V1_StateEvent] = []
      for cell in 0..<cells {
        for day in 0..<days {
          let dayStart = start.addingTimeInterval(Double(day) * 86_400)
          for (offsetS, state) in [(36_000.0, Workcell_Common_V1_MachineState.fault), (10_800, .plannedStop)] {
            events.append(
              .with {
                $0.eventID = String(format: "5e000000-0000-4000-8000-%06x%06x", cell, day * 2 + (state == .fault ? 0 : 1))
                $0.cell = "cell-\(String(format: "%03d", cell + 1))"
                $0.state = state
                $0.reason = state == .fault ? "feeder_jam" : "maintenance"
                $0.startedAt = Google_Protobuf_Timestamp(date: dayStart.addingTimeInterval(offsetS))
                $0.endedAt = Google_Protobuf_Timestamp(date: dayStart.addingTimeInterval(offsetS + 1_200))
              })
          }
        }
      }
      for batch in stride(from: 0, to: events.count, by: 10_000) {
        _ = try await client.reportStateEvents(.with { $0.events = Array(events[batch..<min(batch + 10_000, events.count)]) })
      }
    }
    let loadElapsed = clock.now - loadBegan
    print("yield_query_plant_load_seconds: \(GRPCHopBenchmark.decimal(Self.seconds(loadElapsed), 1)) s")

    let calendar = try ShiftCalendar(
      timeZoneIdentifier: "Europe/Berlin",
      shifts: [
        ShiftDefinition(name: "early", start: TimeOfDay(hour: 6), end: TimeOfDay(hour: 14)),
        ShiftDefinition(name: "late", start: TimeOfDay(hour: 14), end: TimeOfDay(hour: 22)),
        ShiftDefinition(name: "night", start: TimeOfDay(hour: 22), end: TimeOfDay(hour: 6)),
      ])
    let shifts = calendar.instances(overlapping: DateInterval(start: start, end: end)).filter {
      $0.start >= start && $0.end <= end
    }
    var random = WorldRandom(seed: 42)
    func cellName() -> String { "cell-\(String(format: "%03d", Int(random.next() % UInt64(cells)) + 1))" }
    func stamp(_ date: Date) -> Google_Protobuf_Timestamp { Google_Protobuf_Timestamp(date: date) }

    try await service.withClient { client in
      var checkedRows = 0
      let oneShift = try await Self.time(queries) {
        let shift = shifts[Int(random.next() % UInt64(shifts.count))]
        let request = Workcell_Yield_V1_QueryOeeRequest.with {
          $0.from = stamp(shift.start)
          $0.to = stamp(shift.end)
          $0.cell = cellName()
          $0.groupBy = [.cell, .shift]
        }
        let rows = try await client.queryOee(request).rows
        guard rows.count == 1, rows[0].totalCount > 300 else {
          throw BenchError("OEE of one cell over one shift gave \(rows.count) rows / \(rows.first?.totalCount ?? 0) parts")
        }
        checkedRows += rows.count
      }
      Self.report(oneShift, prefix: "yield_query_oee_cell_one_shift")

      let thirtyDays = try await Self.time(max(20, queries / 4)) {
        let rows = try await client.queryOee(
          .with {
            $0.from = stamp(start)
            $0.to = stamp(end)
            $0.cell = cellName()
            $0.groupBy = [.shift]
          }
        ).rows
        guard rows.count >= shifts.count else { throw BenchError("30-day OEE by shift gave \(rows.count) rows") }
      }
      Self.report(thirtyDays, prefix: "yield_query_oee_cell_by_shift_30d")

      let plantShift = try await Self.time(max(20, queries / 4)) {
        let shift = shifts[Int(random.next() % UInt64(shifts.count))]
        let rows = try await client.queryYield(
          .with {
            $0.from = stamp(shift.start)
            $0.to = stamp(shift.end)
            $0.groupBy = [.cell]
          }
        ).rows
        guard rows.count == cells else { throw BenchError("plant yield by cell gave \(rows.count) rows") }
      }
      Self.report(plantShift, prefix: "yield_query_plant_yield_by_cell_one_shift")

      let pareto = try await Self.time(max(20, queries / 4)) {
        let rows = try await client.queryPareto(
          .with {
            $0.from = stamp(start)
            $0.to = stamp(end)
            $0.cell = cellName()
          }
        ).failures
        guard !rows.isEmpty else { throw BenchError("empty Pareto") }
      }
      Self.report(pareto, prefix: "yield_query_pareto_cell_30d")
      let p95 = oneShift.p95
      print("yield_query_target: OEE per cell per shift p95 ≤ 50 ms (\(p95 <= 50 ? "met" : "NOT met"))")
    }
  }

  struct Figures {
    var p50: Double
    var p95: Double
    var p99: Double
  }

  static func time(_ count: Int, _ body: () async throws -> Void) async throws -> Figures {
    var samples: [Double] = []
    for index in 0..<(count + 5) {
      let began = ContinuousClock.now
      try await body()
      if index >= 5 { samples.append(seconds(ContinuousClock.now - began) * 1000) }
    }
    samples.sort()
    return Figures(
      p50: NearestRank.percentile(0.5, of: samples)!, p95: NearestRank.percentile(0.95, of: samples)!,
      p99: NearestRank.percentile(0.99, of: samples)!)
  }

  static func report(_ figures: Figures, prefix: String) {
    Swift.print("\(prefix)_p50: \(GRPCHopBenchmark.decimal(figures.p50, 2)) ms")
    Swift.print("\(prefix)_p95: \(GRPCHopBenchmark.decimal(figures.p95, 2)) ms")
    Swift.print("\(prefix)_p99: \(GRPCHopBenchmark.decimal(figures.p99, 2)) ms")
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
