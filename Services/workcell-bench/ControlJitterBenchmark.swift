import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `workcell-bench control-jitter`: the 1 kHz control loop's period jitter with its execution
/// trace on and off (the anchor: the same loop, same run, without the trace).
struct ControlJitterBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "control-jitter",
    abstract: "Control loop jitter (p50/p99/p99.9) and overruns: trace on vs off, or SCHED_FIFO vs an ordinary thread.",
    discussion: """
      Starts cell-sim (one robot, real time) and control (wall clock, its UDP joint bus) from the \
      same build folder as this executable, lets the arm hold for --seconds, and reads control's \
      own loop statistics from /metrics (LoopTimingStats, 10 µs bins; overruns = periods over \
      1.5 ms). Runs alternate trace on / off for --rounds rounds, so a machine whose load drifts \
      affects both alike. What the trace costs is the difference (docs/control.md).
      """
  )

  @Option(help: "Seconds per run.")
  var seconds: Double = 60

  @Option(help: "Rounds (each one run of each variant).")
  var rounds: Int = 2

  @Option(
    help: ArgumentHelp(
      "What the runs compare: trace (the execution trace on vs off; anchor off) or realtime (the loop's thread on "
        + "SCHED_FIFO 40 vs an ordinary thread, trace on; anchor ordinary)."))
  var compare: String = "trace"

  @Option(help: "Busy-looping processes to run beside the loop (the loaded machine of issue #21: 2).")
  var busy: Int = 0

  func validate() throws {
    guard seconds >= 5, rounds >= 1 else { throw ValidationError("--seconds must be ≥ 5 and --rounds ≥ 1.") }
    guard ["trace", "realtime"].contains(compare) else { throw ValidationError("--compare must be trace or realtime.") }
    guard (0...16).contains(busy) else { throw ValidationError("--busy must be 0–16.") }
  }

  /// One run's statistics (ms; overruns and ticks counted).
  struct Run {
    var variant: Variant
    var jitterMs: [Double: Double]
    var overruns: Double
    var ticks: Double
    /// The SCHED_FIFO priority control reported it got (0: ordinary thread).
    var priority: Double
  }

  /// One side of the comparison: its name in the output and control's flags.
  struct Variant: Equatable {
    var name: String
    var controlArguments: [String]
  }

  /// The variant measured, then the anchor.
  var variants: [Variant] {
    compare == "trace"
      ? [
        Variant(name: "trace_on", controlArguments: ["--trace", "on", "--realtime-priority", "0"]),
        Variant(name: "trace_off", controlArguments: ["--trace", "off", "--realtime-priority", "0"]),
      ]
      : [
        Variant(name: "fifo", controlArguments: ["--trace", "on", "--realtime-priority", "40"]),
        Variant(name: "ordinary", controlArguments: ["--trace", "on", "--realtime-priority", "0"]),
      ]
  }

  func run() async throws {
    #if DEBUG
      print("warning: this is a debug build; measure with a release build.")
    #endif
    let binDirectory = URL(fileURLWithPath: try GRPCHopBenchmark.ownExecutable()).deletingLastPathComponent().path
    let variants = self.variants
    print(
      "control-jitter: \(Int(seconds)) s per run, \(rounds) round(s), \(variants[0].name) vs \(variants[1].name) "
        + "(anchor: \(variants[1].name)), \(busy) busy process(es) beside it; load \(Self.loadAverage())")
    let hogs = try (0..<busy).map { _ in
      try ChildProcess(executable: "/bin/sh", arguments: ["-c", "while :; do :; done"])
    }
    defer { for hog in hogs { kill(hog.process.processIdentifier, SIGKILL) } }
    var runs: [Run] = []
    for round in 0..<rounds {
      for variant in round % 2 == 0 ? variants : variants.reversed() {
        let run = try await measure(binDirectory: binDirectory, variant: variant)
        print(
          "run \(runs.count + 1): \(variant.name) (SCHED_FIFO priority \(Int(run.priority))) jitter p50/p99/p99.9 "
            + [0.5, 0.99, 0.999].map { GRPCHopBenchmark.decimal(run.jitterMs[$0] ?? .nan, 3) }.joined(separator: " / ")
            + " ms, overruns \(Int(run.overruns)) in \(Int(run.ticks)) ticks; load \(Self.loadAverage())")
        runs.append(run)
      }
    }
    for variant in variants {
      let mine = runs.filter { $0.variant == variant }
      let name = variant.name
      for (q, label) in [(0.5, "p50"), (0.99, "p99"), (0.999, "p999")] {
        let values = mine.compactMap { $0.jitterMs[q] }
        let worst = values.max() ?? .nan
        print(
          "control_jitter_\(label)_\(name): \(GRPCHopBenchmark.decimal(worst, 3)) ms (worst of \(values.count); runs "
            + values.map { GRPCHopBenchmark.decimal($0, 3) }.joined(separator: ", ") + ")")
      }
      let overruns = mine.reduce(0) { $0 + $1.overruns }
      let ticks = mine.reduce(0) { $0 + $1.ticks }
      print("control_overruns_\(name): \(Int(overruns)) periods over 1.5 ms in \(Int(ticks)) ticks")
    }
  }

  private func measure(binDirectory: String, variant: Variant) async throws -> Run {
    let ports = try (0..<4).map { _ in try FreePort.pick() }
    let (busPort, simGRPC, controlHTTP, plcPort) = (ports[0], ports[1], ports[2], ports[3])
    let sim = try ChildProcess(
      executable: binDirectory + "/cell-sim",
      arguments: [
        "--grpc-port", "\(simGRPC)", "--http-port", "0", "--plc-port-base", "\(plcPort)", "--sides", "left",
        "--joint-bus-port", "\(busPort)", "--log-level", "error",
      ])
    let control = try ChildProcess(
      executable: binDirectory + "/control",
      arguments: [
        "--grpc-port", "0", "--http-port", "\(controlHTTP)", "--robot", "left", "--joint-bus", "127.0.0.1:\(busPort)",
        "--log-level", "error",
      ] + variant.controlArguments)
    defer {
      kill(control.process.processIdentifier, SIGTERM)
      kill(sim.process.processIdentifier, SIGTERM)
    }
    try await Task.sleep(for: .seconds(seconds))
    let metrics = try await Self.scrape(port: controlHTTP)
    await control.stop()
    await sim.stop()
    var jitter: [Double: Double] = [:]
    for q in [0.5, 0.99, 0.999] {
      if let value = Self.sample(metrics, "workcell_control_loop_jitter_quantile_seconds", label: "quantile=\"\(q)\"") {
        jitter[q] = value * 1000
      }
    }
    guard let ticks = Self.sample(metrics, "workcell_control_loop_period_seconds_count"), ticks > seconds * 500 else {
      throw BenchError("control ticked too little (is the joint bus up?); its metrics:\n\(metrics.prefix(2000))")
    }
    return Run(
      variant: variant, jitterMs: jitter, overruns: Self.sample(metrics, "workcell_control_loop_overruns_total") ?? .nan,
      ticks: ticks, priority: Self.sample(metrics, "workcell_control_realtime_priority") ?? .nan)
  }

  /// The value of the first sample of `name` (with `label` among its labels, if given).
  static func sample(_ exposition: String, _ name: String, label: String? = nil) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
      if let label, !line.contains(label) { continue }
      if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
    }
    return nil
  }

  static func scrape(port: Int) async throws -> String {
    let url = URL(string: "http://127.0.0.1:\(port)/metrics")!
    var request = URLRequest(url: url)
    request.timeoutInterval = 10
    let (data, _) = try await URLSession.shared.data(for: request)
    return String(decoding: data, as: UTF8.self)
  }

  static func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ")
      ?? "?"
  }
}
