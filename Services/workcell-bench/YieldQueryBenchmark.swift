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

      With --anchor-yield PATH a second yield executable (e.g. the previous release) serves the \
      same database beside this one: every query is sent to both in turn, both are timed, and \
      their answers must be identical (the run fails on the first difference).
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
  @Option(help: "A second yield executable timed beside this one on the same database; answers must match.")
  var anchorYield: String?

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
    let cellCount = cells
    func cellName(_ random: inout WorldRandom) -> String {
      "cell-\(String(format: "%03d", Int(random.next() % UInt64(cellCount)) + 1))"
    }
    func stamp(_ date: Date) -> Google_Protobuf_Timestamp { Google_Protobuf_Timestamp(date: date) }

    var anchor: YieldUnderBench?
    if let anchorYield {
      anchor = try await YieldUnderBench.start(
        dsn: database.dsn, executable: anchorYield, extraArguments: ["--plant-config", plantConfig])
    }
    defer { if let anchor { Task { await anchor.process.stop() } } }

    let kinds: [QueryKind] = [
      QueryKind(name: "yield_query_oee_cell_one_shift", count: queries) { client, random in
        let shift = shifts[Int(random.next() % UInt64(shifts.count))]
        let request = Workcell_Yield_V1_QueryOeeRequest.with {
          $0.from = stamp(shift.start)
          $0.to = stamp(shift.end)
          $0.cell = cellName(&random)
          $0.groupBy = [.cell, .shift]
        }
        let rows = try await client.queryOee(request).rows
        guard rows.count == 1, rows[0].totalCount > 300 else {
          throw BenchError("OEE of one cell over one shift gave \(rows.count) rows / \(rows.first?.totalCount ?? 0) parts")
        }
        return try rows.map { try $0.serializedBytes() as [UInt8] }
      },
      QueryKind(name: "yield_query_oee_cell_by_shift_30d", count: max(20, queries / 4)) { client, random in
        let cell = cellName(&random)
        let rows = try await client.queryOee(
          .with {
            $0.from = stamp(start)
            $0.to = stamp(end)
            $0.cell = cell
            $0.groupBy = [.shift]
          }
        ).rows
        guard rows.count >= shifts.count else { throw BenchError("30-day OEE by shift gave \(rows.count) rows") }
        return try rows.map { try $0.serializedBytes() as [UInt8] }
      },
      QueryKind(name: "yield_query_plant_yield_by_cell_one_shift", count: max(20, queries / 4)) { client, random in
        let shift = shifts[Int(random.next() % UInt64(shifts.count))]
        let rows = try await client.queryYield(
          .with {
            $0.from = stamp(shift.start)
            $0.to = stamp(shift.end)
            $0.groupBy = [.cell]
          }
        ).rows
        guard rows.count == cellCount else { throw BenchError("plant yield by cell gave \(rows.count) rows") }
        return try rows.map { try $0.serializedBytes() as [UInt8] }
      },
      QueryKind(name: "yield_query_pareto_cell_30d", count: max(20, queries / 4)) { client, random in
        let cell = cellName(&random)
        let rows = try await client.queryPareto(
          .with {
            $0.from = stamp(start)
            $0.to = stamp(end)
            $0.cell = cell
          }
        ).failures
        guard !rows.isEmpty else { throw BenchError("empty Pareto") }
        return try rows.map { try $0.serializedBytes() as [UInt8] }
      },
    ]
    var random = WorldRandom(seed: 42)
    var oneShiftP95Ms = Double.infinity
    try await service.withClient { client in
      try await Self.withOptionalClient(anchor) { anchorClient in
        for kind in kinds {
          var samples: [Duration] = []
          var anchorSamples: [Duration] = []
          for index in 0..<(kind.count + 5) {
            // The same question to both, in turn; 5 unmeasured first (connections, caches).
            let before = random
            let began = ContinuousClock.now
            let answer = try await kind.ask(client, &random)
            let took = ContinuousClock.now - began
            if index >= 5 { samples.append(took) }
            guard let anchorClient else { continue }
            var same = before
            let anchorBegan = ContinuousClock.now
            let anchorAnswer = try await kind.ask(anchorClient, &same)
            if index >= 5 { anchorSamples.append(ContinuousClock.now - anchorBegan) }
            guard answer == anchorAnswer else {
              throw BenchError("\(kind.name): the answer differs from the anchor's (query \(index))")
            }
          }
          guard let figures = LatencySummary(samples) else { throw BenchError("no \(kind.name) query was measured") }
          Self.report(figures, prefix: kind.name)
          if let anchorFigures = LatencySummary(anchorSamples) {
            Self.report(anchorFigures, prefix: kind.name + "_anchor")
            print("\(kind.name)_answers_identical_to_anchor: \(anchorSamples.count) of \(anchorSamples.count)")
          }
          if kind.name == "yield_query_oee_cell_one_shift" { oneShiftP95Ms = (figures.p95Microseconds ?? .infinity) / 1000 }
        }
      }
    }
    print("yield_query_target: OEE per cell per shift p95 ≤ 50 ms (\(oneShiftP95Ms <= 50 ? "met" : "NOT met"))")
  }

  /// One kind of MES question: asks a random instance of it, returns the answer's rows serialized.
  struct QueryKind {
    let name: String
    let count: Int
    let ask: (Workcell_Yield_V1_Yield.Client<HTTP2ClientTransport.Posix>, inout WorldRandom) async throws -> [[UInt8]]
  }

  static func withOptionalClient(
    _ service: YieldUnderBench?,
    _ body: (Workcell_Yield_V1_Yield.Client<HTTP2ClientTransport.Posix>?) async throws -> Void
  ) async throws {
    guard let service else { return try await body(nil) }
    try await service.withClient { try await body($0) }
  }

  static func report(_ figures: LatencySummary, prefix: String) {
    Swift.print("\(prefix)_p50: \(GRPCHopBenchmark.decimal(figures.p50Microseconds / 1000, 2)) ms")
    Swift.print("\(prefix)_p95: \(GRPCHopBenchmark.decimal((figures.p95Microseconds ?? .nan) / 1000, 2)) ms")
    Swift.print("\(prefix)_p99: \(GRPCHopBenchmark.decimal(figures.p99Microseconds / 1000, 2)) ms")
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}
