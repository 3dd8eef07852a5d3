import ArgumentParser
import Foundation
import YieldKPI

/// `workcell-bench cell`: the yield of each ablation of the sequencer on the same seeds, side by
/// side — the full cell, vision only, no tactile refine, no retries — each a `workcell demo`
/// (the whole fleet against cell-sim) with the same seeds, cycle counts and failure rates.
struct CellBenchmark: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cell",
    abstract: "Yield and first-pass yield of the cell and its ablations, same seeds, side by side.",
    discussion: """
      Runs `workcell demo --report json` (the binary beside this one, or --workcell) once per \
      seed and ablation: full, learned-policy (--planner model: the policy network instead of the \
      scripted planner), --vision-only, --no-tactile-refine, learned-refine (perception's learned \
      tactile refinement, --tactile-model, instead of the analytic line fit), --no-retry (--planner model runs \
      every ablation with the network; --model names its file). Prints one \
      `metric: value unit` line per ablation and figure (cycles, yield, first-pass yield, \
      cycle time p50, wall time), then a table with the failure codes. Run from the repository \
      root (the policy's model is models/policy/wc-mlp-2.safetensors), in a release build.
      """)

  @Option(help: "Cycles per robot per run.")
  var cycles: Int = 50

  @Option(help: "Robots in the cell (1 or 2).")
  var robots: Int = 2

  @Option(help: "Seeds, comma-separated; every ablation runs on each.")
  var seeds: String = "1,2"

  @Option(help: "The workcell executable (default: beside this one).")
  var workcell: String?

  @Option(help: "Ablations to run, comma-separated (full, learned-policy, vision-only, no-tactile-refine, learned-refine, no-retry).")
  var ablations: String = "full,learned-policy,vision-only,no-tactile-refine,learned-refine,no-retry"

  @Option(help: "What plans motion in every run but learned-policy's: scripted (the built-in planner) or model (the policy network).")
  var planner: String = "scripted"

  @Option(help: "The policy network's model file for the runs it drives (learned-policy, or every run with --planner model); default: the demo's (models/policy/wc-mlp-2.safetensors).")
  var model: String?

  @Option(help: "The learned tactile refinement the learned-refine arm runs (default models/tactile/wc-tacrefine-1.safetensors).")
  var tactileModel: String = "models/tactile/wc-tacrefine-1.safetensors"

  @Option(help: "First gRPC port of the demo fleets.")
  var grpcPortBase: Int = 50261

  @Option(
    help: ArgumentHelp(
      "Demo runs at once (default: one per core).",
      discussion: "A simulated fleet runs on one thread, so runs side by side use the other cores. Each run's records do not depend on how many run beside it (same seed, same records_sha256)."))
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Also write the figures per ablation as JSON to this file (arm, cycles, ok, nok, aborted, yield and first-pass yield with 95 % Wilson intervals, pareto, wall_seconds, speed_up, records_sha256), and beside it FILE.yield.png (yield per arm) and FILE.pareto.png (a Pareto per arm; scripts/plot_cell_bench.py, needs matplotlib: scripts/python-env.sh).")
  var report: String?

  static let flags: [String: [String]] = [
    "full": [], "learned-policy": ["--planner", "model"], "vision-only": ["--vision-only"],
    "no-tactile-refine": ["--no-tactile-refine"], "learned-refine": [], "no-retry": ["--no-retry"],
  ]

  func run() async throws {
    let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    let chosen = ablations.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !seedList.isEmpty else { throw ValidationError("--seeds names no seed.") }
    guard ["model", "scripted"].contains(planner) else { throw ValidationError("--planner must be model or scripted.") }
    if let model, !FileManager.default.isReadableFile(atPath: model) {
      throw ValidationError("--model \(model): no such readable file.")
    }
    for name in chosen where Self.flags[name] == nil {
      throw ValidationError("unknown ablation '\(name)'; use \(Self.flags.keys.sorted().joined(separator: ", ")).")
    }
    if chosen.contains("learned-refine"), !FileManager.default.isReadableFile(atPath: tactileModel) {
      throw ValidationError("--tactile-model \(tactileModel): no such readable file (the learned-refine arm runs it).")
    }
    let binary =
      workcell
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("workcell").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw BenchError("no workcell executable at \(binary); build it (swift build -c release --product workcell) or pass --workcell")
    }
    guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1.") }
    // Every (ablation, seed) run, each on its own ports, at most `jobs` at a time.
    var runs: [(name: String, seed: UInt64, flags: [String])] = []
    for name in chosen {
      for seed in seedList {
        var flags = Self.flags[name]!
        if name != "learned-policy" { flags += ["--planner", planner] }
        if let model, name == "learned-policy" || planner == "model" { flags += ["--model", model] }
        if name == "learned-refine" { flags += ["--tactile-model", tactileModel] }
        runs.append((name, seed, flags))
      }
    }
    let benchStarted = ContinuousClock.now
    var finished: [Int: (Report, Duration)] = [:]
    try await withThrowingTaskGroup(of: (Int, Report, Duration).self) { group in
      var next = 0
      func start(slot: Int) {
        let index = next
        let run = runs[index]
        next += 1
        let portBase = grpcPortBase + slot * 100
        group.addTask {
          let started = ContinuousClock.now
          let report = try await demo(binary, seed: run.seed, flags: run.flags, portBase: portBase)
          return (index, report, ContinuousClock.now - started)
        }
      }
      // Which slot (port range) each running run holds: the first runs take slots 0, 1, ….
      var slotOf: [Int: Int] = [:]
      for slot in 0..<min(jobs, runs.count) {
        slotOf[next] = slot
        start(slot: slot)
      }
      while let (index, report, wall) = try await group.next() {
        finished[index] = (report, wall)
        let run = runs[index]
        FileHandle.standardError.write(
          Data("[bench] \(run.name) seed \(run.seed): \(report.summary) (\(finished.count)/\(runs.count) runs)\n".utf8))
        if next < runs.count, let slot = slotOf.removeValue(forKey: index) {
          slotOf[next] = slot
          start(slot: slot)
        }
      }
    }
    var table: [(String, Totals)] = []
    for name in chosen {
      var totals = Totals()
      for (index, run) in runs.enumerated() where run.name == name {
        guard let (report, wall) = finished[index] else { continue }
        totals.add(report, wall: wall)
        totals.digests.append(report.recordsSHA256)
      }
      table.append((name, totals))
      let key = name.replacingOccurrences(of: "-", with: "_")
      print("cell_\(key)_cycles: \(totals.cycles) cycles")
      print("cell_yield_\(key): \(Self.figure(totals.yield, totals.yieldInterval, n: totals.ok + totals.nok))")
      print("cell_first_pass_yield_\(key): \(Self.figure(totals.firstPassYield, totals.fpyInterval, n: totals.ok + totals.nok))")
      print(String(format: "cell_%@_wall: %.0f s", key, totals.wallS))
      print(String(format: "cell_%@_speed_up: %.1f x", key, totals.speedUp))
    }
    let benchWall = ContinuousClock.now - benchStarted
    let benchWallS = Double(benchWall.components.seconds) + Double(benchWall.components.attoseconds) * 1e-18
    print(String(format: "cell_bench_wall: %.0f s (%d runs, %d at once)", benchWallS, runs.count, min(jobs, runs.count)))
    if let report {
      let arms: [[String: Any]] = table.map { name, t in
        [
          "arm": name, "cycles": t.cycles, "ok": t.ok, "nok": t.nok, "aborted": t.aborted, "yield": t.yield,
          "yield_ci_low": t.yieldInterval?.low ?? NSNull(), "yield_ci_high": t.yieldInterval?.high ?? NSNull(),
          "first_pass_yield": t.firstPassYield, "fpy_ci_low": t.fpyInterval?.low ?? NSNull(),
          "fpy_ci_high": t.fpyInterval?.high ?? NSNull(), "pareto": t.failures, "wall_seconds": t.wallS,
          "speed_up": t.speedUp, "records_sha256": t.digests.joined(separator: ","), "seeds": seedList,
        ]
      }
      let data = try JSONSerialization.data(withJSONObject: ["arms": arms], options: [.sortedKeys, .prettyPrinted])
      try data.write(to: URL(fileURLWithPath: report))
      FileHandle.standardError.write(Data("[bench] wrote \(report)\n".utf8))
      Self.chart(report)
    }
    print("")
    print("ablation            cycles   yield    FPY      failures")
    for (name, totals) in table {
      print(
        name.padding(toLength: 18, withPad: " ", startingAt: 0)
          + String(format: "  %6d  %5.1f %%  %5.1f %%  ", totals.cycles, totals.yield * 100, totals.firstPassYield * 100)
          + totals.failures.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
  }

  /// Draws the report's charts beside it (`scripts/plot_cell_bench.py`: yield per arm, a Pareto
  /// per arm) with `$WORKCELL_PYTHON`, else `.venv/bin/python`, else `python3`; says where they
  /// went, or why not (matplotlib missing: `scripts/python-env.sh`). Never fails the bench.
  static func chart(_ report: String) {
    let python = GRPCHopBenchmark.pythonInterpreter(nil)
    let script = "scripts/plot_cell_bench.py"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, script, report]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    do {
      try process.run()
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      let said = text.trimmingCharacters(in: .whitespacesAndNewlines)
      FileHandle.standardError.write(
        Data(
          (process.terminationStatus == 0
            ? "[bench] charts: \(said.split(separator: "\n").joined(separator: ", "))\n"
            : "[bench] no charts (\(script) with \(python): \(said.split(separator: "\n").last ?? "failed"))\n").utf8))
    } catch {
      FileHandle.standardError.write(Data("[bench] no charts: cannot run \(python): \(error)\n".utf8))
    }
  }

  /// `0.875 (95% CI 0.861–0.888, n=2400)`.
  static func figure(_ value: Double, _ interval: WilsonInterval?, n: Int) -> String {
    guard let interval else { return "– (no cycles)" }
    return String(format: "%.4f (95%% CI %.4f–%.4f, n=%d)", value, interval.low, interval.high, n)
  }

  /// One demo's report.
  struct Report {
    var ok = 0, nok = 0, aborted = 0, firstPass = 0
    var simSeconds = 0.0
    var recordsSHA256 = ""
    var failures: [String: Int] = [:]
    var summary: String { "ok \(ok), nok \(nok), aborted \(aborted); \(failures)" }
  }

  struct Totals {
    var ok = 0, nok = 0, aborted = 0, firstPass = 0
    var failures: [String: Int] = [:]
    var wallS = 0.0
    var simS = 0.0
    var digests: [String] = []
    var cycles: Int { ok + nok + aborted }
    var speedUp: Double { wallS > 0 ? simS / wallS : 0 }
    var yieldInterval: WilsonInterval? { WilsonInterval(successes: ok, trials: ok + nok) }
    var fpyInterval: WilsonInterval? { WilsonInterval(successes: firstPass, trials: ok + nok) }
    var yield: Double { ok + nok == 0 ? 0 : Double(ok) / Double(ok + nok) }
    var firstPassYield: Double { ok + nok == 0 ? 0 : Double(firstPass) / Double(ok + nok) }

    mutating func add(_ report: Report, wall: Duration) {
      ok += report.ok
      nok += report.nok
      aborted += report.aborted
      firstPass += report.firstPass
      simS += report.simSeconds
      for (code, count) in report.failures { failures[code, default: 0] += count }
      wallS += Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
    }
  }

  private func demo(_ binary: String, seed: UInt64, flags: [String], portBase: Int) async throws -> Report {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments =
      [
        "demo", "--cycles", "\(cycles)", "--robots", "\(robots)", "--seed", "\(seed)", "--report", "json",
        "--grpc-port-base", "\(portBase)",
      ] + flags
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = try await Task.detached { try output.fileHandleForReading.readToEnd() ?? Data() }.value
    process.waitUntilExit()
    guard process.terminationStatus == 0,
      let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last(where: { $0.hasPrefix("{") }),
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
      let cell = object["cell"] as? [String: Any]
    else {
      throw BenchError("workcell demo (seed \(seed), \(flags)) failed with status \(process.terminationStatus)")
    }
    func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? 0 }
    var report = Report(ok: int(cell["ok"]), nok: int(cell["nok"]), aborted: int(cell["aborted"]))
    let fpy = (cell["first_pass_yield"] as? NSNumber)?.doubleValue ?? 0
    report.firstPass = Int((fpy * Double(report.ok + report.nok)).rounded())
    report.simSeconds = (object["sim_seconds"] as? NSNumber)?.doubleValue ?? 0
    report.recordsSHA256 = object["records_sha256"] as? String ?? ""
    for row in object["pareto"] as? [[String: Any]] ?? [] {
      report.failures[row["failure_code"] as? String ?? "?"] = int(row["count"])
    }
    return report
  }
}
