import ArgumentParser
import NutPerception
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// `workcell demo`: the whole fleet in this process against cell-sim, one shift, then the
/// yield report read back from the yield API.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run a simulated shift with the whole fleet and print its yield report.",
    discussion: """
      Starts cell-sim, plc-bridge, perception, policy, one control per robot, the cell sequencer \
      and yield (embedded SQLite in a temporary directory, or --postgres) in this process, each \
      on its own ports from --grpc-port-base, all talking gRPC as in production, on one simulated \
      clock: time moves only when every service waits on it, so the same build, seed and options \
      give the same cycles (records_sha256 in the report) however loaded the machine is, as fast \
      as the machine allows (--realtime: the wall clock, at real time). The report's times are \
      simulated times. A progress line shows cycles, yield so far, the speed-up over real \
      time and the ETA. At the end of the shift the cell finishes its cycles in progress, the \
      outbox drains to yield, and the report comes from yield's QueryYield and QueryPareto: \
      yield, first-pass yield, takt compliance, cycle time p50/p95, the failure Pareto.
      Service logs go to fleet.log in the run directory (printed at start).
      """)

  @Option(help: "Simulated hours of the shift (the seed's full run is --hours 3).")
  var hours: Double = 1

  @Option(help: "End after this many cycles per robot instead (0 = run the hours).")
  var cycles: UInt32 = 0

  @Option(help: "Robots in the cell: 1 (left) or 2 (left and right).")
  var robots: Int = 2

  @Option(help: "Random seed of the simulated world.")
  var seed: UInt64 = 1

  @Option(
    name: .customLong("failure-rate"),
    help: ArgumentHelp(
      "A failure mode's rate per opportunity as KIND=P (repeatable), e.g. spline_phase_error=0.1.",
      discussion: "Kinds: \(DemoFleet.failureKinds.keys.sorted().joined(separator: ", ")). Others keep docs/simulation.md's defaults."))
  var failureRates: [String] = []

  @Option(help: "Store cycles in this PostgreSQL database instead of an embedded SQLite file.")
  var postgres: String?

  @Option(help: "Deliver cycles to this running yield service (HOST:PORT) instead of starting one.")
  var yield: String?

  @Option(
    help: ArgumentHelp(
      "Arm a fault on the left robot's side at the start of the shift as KIND or KIND:MAGNITUDE (repeatable): it strikes at its next opportunity; camera and tactile faults stay armed for the whole shift.",
      discussion: "Kinds: \(DemoFleet.injectableKinds.keys.sorted().joined(separator: ", "))."))
  var inject: [String] = []

  @Option(help: "Press the left side's e-stop for 2 s at this simulated second (the demo resets and restarts the robot after).")
  var estopAt: Double?

  @Flag(help: "Run the simulation at real time (a 1-hour shift takes an hour).")
  var realtime = false

  @Flag(
    help: ArgumentHelp(
      "On simulated time, drive the robots over the UDP joint bus instead of one call per tick in this process.",
      discussion: "Both keep the joint bus's contract (docs/joint-bus.md); the call is ~10× faster. Same seed, same cycles either way."))
  var udpJointBus = false

  @Flag(
    help: ArgumentHelp(
      "Let the services reach each other over the network: gRPC over HTTP/2 on loopback and the PLCs over Modbus TCP, instead of in this process.",
      discussion: "Both carry the same contracts (gRPC messages, Modbus PDUs); in process a streamed message costs ~15 µs instead of ~0.5 ms. Same seed, same cycles either way."))
  var grpcOverNetwork = false

  @Flag(
    help: ArgumentHelp(
      "Run the services' tasks on Swift's thread pool instead of the simulation's one thread.",
      discussion: "With every link in process the whole fleet runs on one thread, where the world steps between the services' jobs: a wake-up costs no thread switch. The pool is slower here; same seed, same cycles either way."))
  var threadPool = false

  @Option(
    help: ArgumentHelp(
      "Upper bound on the simulation's speed, × real time (0 = none, the default).",
      discussion: """
        The fleet runs on one simulated clock: time moves only when every participant (the world, \
        the controllers, the sequencer, perception, the policy, plc-bridge, the simulated PLCs) \
        waits on it, so a run's outcome does not depend on the machine's speed or load and \
        nothing needs a cap. A bound only slows the world down to watch it.
        """))
  var maxSpeed: Double = DemoFleet.defaultMaxSpeed

  @Option(
    help: ArgumentHelp(
      "What plans the arm's motion: scripted (the policy service's built-in scripted planner) or model (the trained policy network).",
      discussion: """
        Both answer the same Act calls from the same observations (docs/policy.md). Default: \
        scripted, the planner the cell reaches its yield with; --planner model runs the learned \
        policy (models/policy/wc-mlp-2) in its place, which does not yet reach the planner's \
        yield (docs/cell.md, "Figures").
        """))
  var planner: String = "scripted"

  @Option(
    help: ArgumentHelp(
      "The policy's model file (default models/policy/wc-mlp-2.safetensors).",
      discussion: """
        What --planner model runs, and the version --canary and --shadow can name besides the \
        planner. A file the runtime refuses (docs/policy.md) stops the demo before the shift.
        """))
  var model: String?

  @Flag(help: "Ablation: the cell ignores touch — grasps judged from the gripper's width and force, no tactile check.")
  var visionOnly = false

  @Flag(help: "Ablation: no tactile Refine loop in the grasp check (one seated/slip check).")
  var noTactileRefine = false

  @Option(
    help: ArgumentHelp(
      "Ablation: perception's learned tactile refinement (a TacRefineNet safetensors file) instead of the analytic line fit.",
      discussion: "perception's --tactile-model; e.g. models/tactile/wc-tacrefine-1.safetensors (docs/perception.md). A file it refuses stops the demo before the shift."))
  var tactileModel: String?

  @Flag(help: "Ablation: no retries (no second look, re-grasp or re-align).")
  var noRetry = false

  @Option(help: "First gRPC port of the demo fleet (it uses this and the next 9; UDP and Modbus ports after).")
  var grpcPortBase: Int = 50161

  @Option(help: "Level of the services' log in fleet.log: trace, debug, info, notice, warning, error.")
  var logLevel: String = "info"

  @Option(help: "Report format: text or json.")
  var report: String = "text"

  @Option(help: "Directory for the run's files (outbox, SQLite, fleet.log, episodes); default: a new temporary directory.")
  var runDirectory: String?

  @Option(
    help: ArgumentHelp(
      "Where the cell writes every cycle as an episode (default: <run directory>/episodes), or off.",
      discussion: "`workcell episodes export --from DIR --to OUT` turns them into a LeRobot v3.0 dataset (docs/episodes.md)."))
  var episodes: String?

  @Flag(
    help: ArgumentHelp(
      "Record the feeder and fixture cameras' image at every replan with each episode, as H.264 video (needs ffmpeg).",
      discussion: "`workcell episodes export` puts them in the dataset as observation.images.feeder / .fixture. Costs ~0.3 s of one core per cycle: a simulated shift runs slower (the cell waits for the encoder, so the records stay the same)."))
  var episodesVideo = false

  @Option(
    help: ArgumentHelp(
      "Canary: ROBOT=VERSION,… — those robots are driven by another version (scripted-planner-4 or wc-mlp-2).",
      discussion: "The policy's --canary. The report's per-robot rows, and yield's group_by=model_version, compare them."))
  var canary: String?

  @Option(
    help: ArgumentHelp(
      "Shadow: VERSION (wc-mlp-2 or scripted-planner-4) computes a chunk beside every answer, never executed.",
      discussion: "The policy's --shadow. Each episode frame records the shadow's divergence; the export has it as shadow.divergence_rad."))
  var shadow: String?

  @Flag(
    help: ArgumentHelp(
      "After the shift, keep the demo's yield serving its page and API until Ctrl-C.",
      discussion: "The page's address is printed during the shift (the progress line) and after it (docs/yield.md, \"The page\")."))
  var serve = false

  @Option(help: "HTTP port of the demo's yield: its page at / and its REST API (0 = a free port).")
  var yieldHttpPort: Int = 0

  func validate() throws {
    guard hours > 0, hours <= 24 else { throw ValidationError("--hours must be in (0, 24], got \(hours).") }
    guard maxSpeed >= 0, maxSpeed.isFinite else { throw ValidationError("--max-speed must be ≥ 0, got \(maxSpeed).") }
    guard [1, 2].contains(robots) else { throw ValidationError("--robots must be 1 or 2, got \(robots).") }
    guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level '\(logLevel)'.") }
    guard ["text", "json"].contains(report) else { throw ValidationError("--report must be text or json.") }
    guard ["model", "scripted"].contains(planner) else { throw ValidationError("--planner must be model or scripted, got '\(planner)'.") }
    guard (1024...65000).contains(grpcPortBase) else { throw ValidationError("--grpc-port-base must be 1024–65000.") }
    _ = try DemoFleet.parseRates(failureRates)
    _ = try DemoFleet.parseInjections(inject)
    if let yield { _ = try HostPort.parse(yield, flag: "--yield") }
    guard (0...65535).contains(yieldHttpPort) else { throw ValidationError("--yield-http-port must be 0–65535, got \(yieldHttpPort).") }
    if let tactileModel {
      // Refused here, before any service starts, with the runtime's own reason.
      do {
        _ = try TactileOffsetNet(contentsOfFile: tactileModel)
      } catch {
        throw ValidationError("--tactile-model \(tactileModel): \(error.message).")
      }
    }
    if serve, yield != nil {
      throw ValidationError("--serve keeps the demo's own yield running; with --yield the cycles went to \(yield!), whose page is at its own HTTP port.")
    }
  }

  func run() async throws {
    let directory = runDirectory.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("workcell-demo-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let settings = DemoFleet.Settings(
      hours: hours, cyclesPerRobot: cycles, robots: robots, seed: seed, failureRates: try DemoFleet.parseRates(failureRates),
      postgres: postgres, externalYield: try yield.map { try HostPort.parse($0, flag: "--yield") },
      injections: try DemoFleet.parseInjections(inject), estopAtS: estopAt, realtime: realtime, udpJointBus: udpJointBus, grpcOverNetwork: grpcOverNetwork, threadPool: threadPool, maxSpeed: maxSpeed, scriptedPlanner: planner == "scripted", visionOnly: visionOnly, tactileRefine: !noTactileRefine, retries: !noRetry,
      grpcBase: grpcPortBase, directory: directory,
      episodes: episodes == "off" ? nil : (episodes ?? directory.appendingPathComponent("episodes").path),
      episodesVideo: episodesVideo,
      canary: canary ?? "", shadow: shadow ?? "",
      modelPath: try model
        ?? RepositoryFile.find(
          "models/policy/wc-mlp-2.safetensors", hint: "run from the repository (the demo's policy loads the committed model)"),
      tactileModelPath: tactileModel, logLevel: Logger.Level(rawValue: logLevel) ?? .info, yieldHTTPPort: yieldHttpPort)
    let fleet = DemoFleet(settings: settings)
    let result = try await fleet.run()
    let text = report == "json" ? result.json : result.text
    guard serve else {
      print(text)
      return
    }
    // Unbuffered: the report must be out before the process goes on serving.
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
    try await fleet.serveYield()
  }
}
