import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import JointBus
import ServiceLifecycle
import SimulatedTime
import Synchronization
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// The demo's fleet in this process: built, reset, run for a shift, read back, shut down.
struct DemoFleet {
  struct Settings: Sendable {
    var hours: Double
    var cyclesPerRobot: UInt32
    var robots: Int
    var seed: UInt64
    var failureRates: [(Workcell_Sim_V1_FaultKind, Double)]
    var postgres: String?
    var externalYield: HostPort?
    var injections: [(kind: Workcell_Sim_V1_FaultKind, magnitude: Double)]
    var estopAtS: Double?
    var realtime: Bool
    /// Keep the UDP joint bus between the world and the controllers on simulated time too.
    var udpJointBus = false
    /// Let the services reach each other over the network (gRPC on HTTP/2, the PLCs on Modbus
    /// TCP, both on loopback), not in process.
    var grpcOverNetwork = false
    /// Run the services' tasks on Swift's thread pool even when every link is in process (else
    /// they share the simulation's one thread, `SimExecutor`).
    var threadPool = false
    var maxSpeed: Double
    var scriptedPlanner = false
    var visionOnly: Bool
    var tactileRefine: Bool
    var retries: Bool
    var grpcBase: Int
    var directory: URL
    /// Where the cell writes its episodes (nil: not recorded).
    var episodes: String?
    /// Record the cameras' images with each episode, as video.
    var episodesVideo = false
    /// Robots the policy answers with another version (ROBOT=VERSION,…), as the policy's --canary.
    var canary = ""
    /// The version the policy runs in the shadow, as the policy's --shadow ("" = none).
    var shadow = ""
    /// The policy's model file (the committed one, found from wherever the demo runs).
    var modelPath = "models/policy/wc-mlp-2.safetensors"
    var logLevel: Logger.Level = .info
    /// HTTP port of the demo's yield (its page at `/` and REST API); 0 = a free port.
    var yieldHTTPPort = 0
  }

  /// Failure-mode names for --failure-rate, as docs/simulation.md's table names them.
  static let failureKinds: [String: Workcell_Sim_V1_FaultKind] = [
    "spline_phase_error": .splinePhaseError, "grip_variation": .gripVariation, "magnetic_pull": .magneticPull,
    "camera_glare": .cameraGlare, "camera_occlusion": .cameraOcclusion,
    "unexpected_tactile_contact": .unexpectedTactileContact, "cross_thread": .crossThread, "push": .push,
  ]

  /// Faults `--inject` arms, by the names docs/simulation.md uses.
  static let injectableKinds: [String: Workcell_Sim_V1_FaultKind] = failureKinds.merging([
    "feeder_jam": .feederJam, "hopper_empty": .hopperEmpty, "plc_heartbeat_loss": .plcHeartbeatLoss,
    "torque_low": .torqueLow, "torque_high": .torqueHigh,
  ]) { first, _ in first }

  /// `KIND` or `KIND:MAGNITUDE` (the unit the kind names; 0 = its default).
  static func parseInjections(_ texts: [String]) throws -> [(kind: Workcell_Sim_V1_FaultKind, magnitude: Double)] {
    try texts.map { text in
      let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
      guard let name = parts.first, let kind = injectableKinds[name],
        let magnitude = parts.count == 2 ? Double(parts[1]) : 0, magnitude >= 0, magnitude.isFinite
      else {
        throw ValidationError(
          "--inject wants KIND or KIND:MAGNITUDE (≥ 0) with KIND one of \(injectableKinds.keys.sorted().joined(separator: ", ")); got '\(text)'.")
      }
      return (kind, magnitude)
    }
  }

  static func parseRates(_ texts: [String]) throws -> [(Workcell_Sim_V1_FaultKind, Double)] {
    try texts.map { text in
      let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, let kind = failureKinds[parts[0]], let rate = Double(parts[1]), (0...1).contains(rate) else {
        throw ValidationError(
          "--failure-rate wants KIND=P with P in [0, 1] and KIND one of \(failureKinds.keys.sorted().joined(separator: ", ")); got '\(text)'.")
      }
      return (kind, rate)
    }
  }

  let settings: Settings
  /// The fleet's clock: simulated (every service reads and waits on it, time moves only when all
  /// of them wait: docs/simulation.md) unless `--realtime`.
  let clock: any WorkcellClock
  /// The same clock when it is simulated.
  var simClock: SimulationClock? { clock as? SimulationClock }
  /// On simulated time the world ticks the controllers in this process (no UDP joint bus).
  let jointBusHub: JointBusHub?
  /// Where the demo's yield serves its page, once it listens.
  let page = DemoPage()
  /// The services' gRPC hops stay in this process (unless `--grpc-over-network`).
  let inProcess: InProcessFleet?

  init(settings: Settings) {
    self.settings = settings
    // The shift starts on a whole second of the wall clock (so its records sort with a plant's
    // real ones in a shared database); from there on time is simulated.
    let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    // With every link in process the fleet's tasks and the world share one thread.
    let oneThread = !settings.realtime && !settings.udpJointBus && !settings.grpcOverNetwork && !settings.threadPool
    clock = settings.realtime ? WallClock() : SimulationClock(startTime: start, executor: oneThread ? SimExecutor() : nil)
    jointBusHub = settings.realtime || settings.udpJointBus ? nil : JointBusHub()
    inProcess =
      settings.grpcOverNetwork
      ? nil : InProcessFleet(grpcPorts: Set(settings.servedPorts), modbusPorts: Set(settings.plcPorts))
  }

  /// On simulated time nothing limits the speed: time moves only when every participant waits.
  static let defaultMaxSpeed = 0.0

  /// What the shift produced.
  struct Result {
    var settings: Settings
    var whole: Workcell_Yield_V1_YieldRow?
    var perRobot: [Workcell_Yield_V1_YieldRow]
    var pareto: [Workcell_Yield_V1_ParetoRow]
    var simSeconds: Double
    var wallSeconds: Double
    var from: Date
    var to: Date
    var modelVersion: String
    /// Cycles the cell finished (its own count, to compare with what yield stored).
    var cellCycles: UInt64
    /// Times a faulted robot was reset and restarted.
    var recoveries: Int
    /// SHA-256 over the shift's cycle records without ids and calendar stamps (`CycleRecordsDigest`).
    var recordsSHA256: String

    var speedUp: Double { wallSeconds > 0 ? simSeconds / wallSeconds : 0 }

    var text: String {
      func percent(_ value: Double?) -> String { value.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
      func ms(_ value: UInt32?) -> String { value.map { String(format: "%.1f s", Double($0) / 1000) } ?? "–" }
      var lines: [String] = []
      lines.append("Workcell demo — simulated shift report (from the yield API)")
      lines.append(
        String(
          format: "shift: %.2f simulated hours in %.0f s wall (%.1f× real time), seed %llu, %d robot(s), model %@",
          simSeconds / 3600, wallSeconds, speedUp, settings.seed, settings.robots, modelVersion))
      lines.append(
        "sequencer: touch \(settings.visionOnly ? "off (vision only)" : "on"), tactile refine \(settings.tactileRefine ? "on" : "off"), retries \(settings.retries ? "on" : "off")")
      func row(_ name: String, _ r: Workcell_Yield_V1_YieldRow) -> String {
        "\(name.padding(toLength: 8, withPad: " ", startingAt: 0)) cycles \(r.cycles) (ok \(r.ok), nok \(r.nok), aborted \(r.aborted))  yield \(percent(r.hasYield ? r.yield : nil))  FPY \(percent(r.hasFirstPassYield ? r.firstPassYield : nil))  takt \(percent(r.hasTaktCompliance ? r.taktCompliance : nil))  cycle p50 \(ms(r.hasCycleMsP50 ? r.cycleMsP50 : nil)) p95 \(ms(r.hasCycleMsP95 ? r.cycleMsP95 : nil))"
      }
      if recoveries > 0 { lines.append("robots reset and restarted after a fault: \(recoveries)") }
      if let whole { lines.append(row("cell", whole)) } else { lines.append("cell     no cycles recorded") }
      for r in perRobot { lines.append(row(r.robot, r)) }
      lines.append("records sha256: \(recordsSHA256)")
      lines.append("failure Pareto:")
      if pareto.isEmpty { lines.append("  (no failed cycles)") }
      for p in pareto {
        lines.append(
          "  \((p.failureCode.apiName ?? "?").padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(format: "%5d  %5.1f %%  cum %5.1f %%", p.count, p.share * 100, p.cumulativeShare * 100))")
      }
      return lines.joined(separator: "\n")
    }

    var json: String {
      func optional(_ has: Bool, _ value: Double) -> Any { has ? value : NSNull() }
      func rowObject(_ r: Workcell_Yield_V1_YieldRow) -> [String: Any] {
        [
          "robot": r.robot, "cycles": r.cycles, "ok": r.ok, "nok": r.nok, "aborted": r.aborted,
          "yield": optional(r.hasYield, r.yield), "first_pass_yield": optional(r.hasFirstPassYield, r.firstPassYield),
          "takt_compliance": optional(r.hasTaktCompliance, r.taktCompliance),
          "cycle_ms_p50": optional(r.hasCycleMsP50, Double(r.cycleMsP50)),
          "cycle_ms_p95": optional(r.hasCycleMsP95, Double(r.cycleMsP95)),
        ]
      }
      let object: [String: Any] = [
        "seed": settings.seed, "robots": settings.robots, "sim_seconds": simSeconds, "wall_seconds": wallSeconds,
        "speed_up": speedUp, "model_version": modelVersion, "planner": settings.scriptedPlanner ? "scripted" : "model",
        "vision_only": settings.visionOnly,
        "tactile_refine": settings.tactileRefine, "retries": settings.retries,
        "cell": whole.map(rowObject) ?? NSNull(), "per_robot": perRobot.map(rowObject),
        "cell_cycles": cellCycles, "recoveries": recoveries, "records_sha256": recordsSHA256,
        "pareto": pareto.map { ["failure_code": $0.failureCode.apiName ?? "?", "count": $0.count, "share": $0.share] },
      ]
      let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
      return String(decoding: data, as: UTF8.self)
    }
  }

  var jointBusPort: Int { settings.jointBusPort }
  var rightControlPort: Int { settings.rightControlPort }
  var plcPortBase: Int { settings.plcPorts[0] }
  func port(_ service: String) -> Int { settings.port(service) }

  func environment() -> [String: String] {
    let local = "127.0.0.1"
    let sides = settings.robots == 1 ? ["left"] : ["left", "right"]
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WORKCELL_") }
    env["WORKCELL_SIM_SIDES"] = sides.joined(separator: ",")
    env["WORKCELL_SIM_PLC_PORT_BASE"] = "\(plcPortBase)"
    env["WORKCELL_SIM_JOINT_BUS_PORT"] = "\(jointBusPort)"
    env["WORKCELL_SIM_SEED"] = "\(settings.seed)"
    // The line's operator keeps the hoppers topped up; the simulated feeders have no refill, so
    // the demo fills them for the longest shift (65 535 nuts, ~50 h of cycles per robot at 8 s):
    // cell-sim's default 500 ran dry 80 simulated minutes into a 3-hour shift.
    // (`--inject hopper_empty` still empties one.)
    env["WORKCELL_SIM_HOPPER"] = "\(UInt16.max)"
    // The simulated PLCs time their handshakes on the fleet's clock: a feed or a fastening takes
    // its nominal duration of simulated time.
    env["WORKCELL_SIM_PLC_TIME_SCALE"] = "1"
    env["WORKCELL_PLC_FEEDERS"] = sides.enumerated().map { "\($1)=\(local):\(plcPortBase + $0)/1" }.joined(separator: ",")
    env["WORKCELL_PLC_FIXTURES"] = sides.enumerated().map { "\($1)=\(local):\(plcPortBase + $0)/2" }.joined(separator: ",")
    // Every service shares this process's cores with a world stepping as fast as it can: the
    // bridge's Modbus deadline gets room (a missed read opens the safety chain and halts the robot).
    env["WORKCELL_PLC_REQUEST_TIMEOUT_MS"] = "1000"
    env["WORKCELL_PLC_POLL_MS"] = "20"
    env["WORKCELL_PERCEPTION_SENSORS"] = "\(local):\(port("cell-sim"))"
    // Perception follows only the cell's robots.
    env["WORKCELL_PERCEPTION_ROBOTS"] = sides.map { "\($0)=\($0)_feeder,\($0)_fixture,right_gripper" }.joined(separator: ";")
    env["WORKCELL_CONTROL_JOINT_BUS"] = "\(local):\(jointBusPort)"
    env["WORKCELL_CONTROL_CLOCK"] = settings.realtime ? "wall" : "joint-bus"
    // The simulated bus shares this host with every service: a stall of a few hundred ms is the
    // host, not a broken cable.
    // On simulated time the bus is silent only while the whole fleet computes (time stands
    // still then): the watchdog is for a world that went away.
    env["WORKCELL_CONTROL_BUS_TIMEOUT_MS"] = settings.realtime ? "500" : "10000"
    // Requests are serialized at each simulated instant: no batching window to wait out.
    env["WORKCELL_POLICY_BATCH_WINDOW_MS"] = settings.realtime ? "2" : "0"
    env["WORKCELL_CONTROL_PLC_BRIDGE"] = "\(local):\(port("plc-bridge"))"
    if let postgres = settings.postgres {
      env["WORKCELL_YIELD_POSTGRES_DSN"] = postgres
    } else {
      env["WORKCELL_YIELD_SQLITE_PATH"] = settings.directory.appendingPathComponent("yield.sqlite").path
    }
    env["WORKCELL_CELL_ROBOTS"] = sides.map { "\($0)=\($0)" }.joined(separator: ",")
    env["WORKCELL_CELL_CONTROL"] =
      "left=\(local):\(port("control"))" + (settings.robots == 2 ? ",right=\(local):\(rightControlPort)" : "")
    env["WORKCELL_CELL_PLC_BRIDGE"] = "\(local):\(port("plc-bridge"))"
    env["WORKCELL_CELL_PERCEPTION"] = "\(local):\(port("perception"))"
    env["WORKCELL_CELL_POLICY"] = "\(local):\(port("policy"))"
    env["WORKCELL_CELL_YIELD"] = settings.externalYield?.description ?? "\(local):\(port("yield"))"
    env["WORKCELL_CELL_SIM"] = "\(local):\(port("cell-sim"))"
    env["WORKCELL_CELL_CLOCK"] = "sim"
    env["WORKCELL_CELL_OUTBOX"] = settings.directory.appendingPathComponent("outbox.sqlite").path
    env["WORKCELL_CELL_EPISODES"] = settings.episodes ?? "off"
    env["WORKCELL_CELL_EPISODES_VIDEO"] = settings.episodesVideo ? "on" : "off"
    env["WORKCELL_POLICY_PLANNER"] = settings.scriptedPlanner ? "scripted" : "model"
    env["WORKCELL_POLICY_MODEL"] = settings.modelPath
    if !settings.canary.isEmpty { env["WORKCELL_POLICY_CANARY"] = settings.canary }
    if !settings.shadow.isEmpty { env["WORKCELL_POLICY_SHADOW"] = settings.shadow }
    env["WORKCELL_CELL_TOUCH"] = settings.visionOnly ? "off" : "on"
    env["WORKCELL_CELL_TACTILE_REFINE"] = settings.tactileRefine ? "on" : "off"
    env["WORKCELL_CELL_RETRIES"] = settings.retries ? "on" : "off"
    return env
  }

  func run() async throws -> Result {
    guard let executor = simClock?.executor else { return try await runShift() }
    return try await executor.run { try await runShift() }
  }

  private func runShift() async throws -> Result {
    let logURL = settings.directory.appendingPathComponent("fleet.log")
    _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
    let logFile = try FileHandle(forWritingTo: logURL)
    let level = settings.logLevel
    // One writer at a time: every service logs from its own threads.
    let writer = Mutex(logFile)
    let sink: @Sendable (String) -> Void = { line in
      writer.withLock { $0.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8)) }
    }
    LoggingSystem.bootstrap { label in
      var handler = JSONLogHandler(label: label, sink: sink)
      handler.logLevel = level
      return handler
    }
    let logger = Logger(label: "workcell.demo")
    progress("run directory \(settings.directory.path) (fleet.log has every service's log)")

    let env = environment()
    var members: [FleetMember] = []
    for name in settings.serviceOrder {
      guard let entry = FleetCatalog.entries.first(where: { $0.name == name }) else { continue }
      var memberEnv = env
      if name == "control" { memberEnv["WORKCELL_CONTROL_ROBOT"] = "left" }
      members.append(
        try await entry.build(
          "127.0.0.1", ServicePorts(grpc: port(name), http: name == "yield" ? settings.yieldHTTPPort : 0), memberEnv, nil, clock,
          jointBusHub, inProcess, logger))
      if name == "control", settings.robots == 2 {
        memberEnv["WORKCELL_CONTROL_ROBOT"] = "right"
        members.append(
          try await entry.build(
            "127.0.0.1", ServicePorts(grpc: rightControlPort, http: 0), memberEnv, nil, clock, jointBusHub, inProcess, logger))
      }
    }
    let group = FleetRunner.makeGroup(members: members, grace: .seconds(5), signals: [.sigterm, .sigint], logger: logger)
    // On one thread (SimExecutor) every service's task and the demo's own prefer it.
    let executor = simClock?.executor
    let fleet = Task(executorPreference: executor) {
      try await SimExecutor.$current.withValue(executor) { try await group.run() }
    }
    defer { fleet.cancel() }
    if let yield = members.first(where: { $0.name == "yield" }) {
      page.listening(on: await yield.httpPort(timeout: .seconds(30)))
      if let url = page.url { progress("yield page: \(url) (live while the shift runs)") }
    }

    let result: Result
    do {
      result = try await withPeers { sim, cell, yield, perception in
        // The demo drives the shift as a participant of the clock: its Reset, its checks, the
        // Start, e-stops and restarts happen at simulated instants that are the same every run.
        try await clock.activity("demo") {
          try await shift(sim: sim, cell: cell, yield: yield, perception: perception)
        }
      }
    } catch {
      await group.triggerGracefulShutdown()
      _ = try? await fleet.value
      throw error
    }
    if let simClock {
      // Each wake-up and each held message costs a few thread hand-overs: this is where the
      // run's wall time went (docs/simulation.md).
      let traffic = simClock.traffic
      let simulatedS = max(Double(simClock.elapsedMicroseconds) / 1e6, 1e-6)
      func perSecond(_ counts: [String: Int]) -> String {
        counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
          .map { "\($0.key.isEmpty ? "-" : $0.key)=\(String(format: "%.1f", Double($0.value) / simulatedS))" }
          .joined(separator: " ")
      }
      logger.info(
        "simulated clock traffic per simulated second",
        metadata: ["wakes": "\(perSecond(traffic.wakes))", "messages": "\(perSecond(traffic.messages))"])
    }
    await group.triggerGracefulShutdown()
    _ = try? await fleet.value
    return result
  }

  private func withPeers<T: Sendable>(
    _ body: (
      Workcell_Sim_V1_SimControl.Client<FleetClientTransport>, Workcell_Cell_V1_Cell.Client<FleetClientTransport>,
      Workcell_Yield_V1_Yield.Client<FleetClientTransport>,
      Workcell_Perception_V1_Perception.Client<FleetClientTransport>
    ) async throws -> T
  ) async throws -> T {
    let addresses = [
      HostPort(host: "127.0.0.1", port: port("cell-sim")), HostPort(host: "127.0.0.1", port: port("cell")),
      settings.externalYield ?? HostPort(host: "127.0.0.1", port: port("yield")),
      HostPort(host: "127.0.0.1", port: port("perception")),
    ]
    // The demo's calls carry its activity on the simulated clock (a Start waits on it).
    let clients = try addresses.map { try $0.grpcClient(clock: clock, inProcess: inProcess?.grpc) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
      for client in clients { group.addTask { try await client.runConnections() } }
      defer {
        for client in clients { client.beginGracefulShutdown() }
      }
      return try await body(
        .init(wrapping: clients[0]), .init(wrapping: clients[1]), .init(wrapping: clients[2]), .init(wrapping: clients[3]))
    }
  }

  private func shift(
    sim: Workcell_Sim_V1_SimControl.Client<FleetClientTransport>,
    cell: Workcell_Cell_V1_Cell.Client<FleetClientTransport>,
    yield: Workcell_Yield_V1_Yield.Client<FleetClientTransport>,
    perception: Workcell_Perception_V1_Perception.Client<FleetClientTransport>
  ) async throws -> Result {
    let reset = try await sim.reset(
      .with {
        $0.seed = settings.seed
        $0.config = .with {
          $0.robotCount = UInt32(settings.robots)
          $0.lockStep = !settings.realtime
          $0.targetRealTimeFactor = settings.realtime ? 1 : settings.maxSpeed
          $0.startTime = Google_Protobuf_Timestamp(date: clock.now())
          $0.failureRates = settings.failureRates.map { kind, rate in
            .with {
              $0.kind = kind
              $0.probability = rate
            }
          }
        }
      }, options: .timeout(seconds: 30, waitForReady: true))
    let from = reset.tick.now.date
    let wallStart = ContinuousClock.now
    let shiftS = settings.hours * 3600
    let shiftClock = ShiftClock(clock: clock, reset: reset.tick)
    let clockTask = Task {
      guard !clock.isSimulated else { return }
      try await sim.watchClock(.with { $0.maxRateHz = 10 }) { response in
        for try await message in response.messages { shiftClock.update(message.tick) }
      }
    }
    defer { clockTask.cancel() }
    try await waitForParticipants()
    // Let the world run a simulated second before the checks below: every stream has delivered
    // by then, so what the checks see does not depend on how each stream's (wall-clock)
    // reconnects went before the Reset.
    if clock.isSimulated { try await pause(seconds: 1) }
    // Perception follows cell-sim's sensor streams once the world runs (they reconnect with a
    // backoff after Reset): the shift starts once it can see the nut.
    let seeing = ContinuousClock.now + .seconds(60)
    while true {
      let answer = try? await perception.estimate(
        .with {
          $0.robot = .with { $0.robot = "left" }
          $0.phase = .perceivePart
        }, options: .timeout(seconds: 2, waitForReady: true))
      if answer != nil { break }
      guard ContinuousClock.now < seeing else {
        throw DemoError("perception gave no estimate within 60 s of Reset; see \(settings.directory.path)/fleet.log")
      }
      try await pause(seconds: 0.2)
    }
    // plc-bridge reports the safety chain once it reached the simulated PLCs; the cell starts after.
    let ready = ContinuousClock.now + .seconds(60)
    while true {
      let status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
      if status.robots.allSatisfy({ $0.safety.estopOk }) { break }
      guard ContinuousClock.now < ready else {
        throw DemoError("the safety chain did not close within 60 s (plc-bridge → simulated PLCs); see \(settings.directory.path)/fleet.log")
      }
      try await pause(seconds: 0.2)
    }
    for injection in settings.injections {
      let sensorFault = [.cameraGlare, .cameraOcclusion, .unexpectedTactileContact].contains(injection.kind)
      _ = try await sim.injectFault(
        .with {
          $0.kind = injection.kind
          $0.side = .left
          $0.robot = .with { $0.robot = "left" }
          $0.magnitude = injection.magnitude
          // A sensor fault stays armed for the whole shift (every frame); the others strike once.
          if sensorFault { $0.duration = .init(rounding: shiftS + 3600) }
        }, options: .timeout(seconds: 10, waitForReady: true))
      progress("armed \(injection.kind) on the left side\(sensorFault ? " for the whole shift" : "")")
    }
    _ = try await cell.start(.with { $0.cycleLimit = settings.cyclesPerRobot }, options: .timeout(seconds: 30, waitForReady: true))
    progress("shift started: \(settings.cyclesPerRobot > 0 ? "\(settings.cyclesPerRobot) cycles per robot" : String(format: "%.2f simulated hours", settings.hours))")

    var lastLine = ContinuousClock.now - .seconds(60)
    var stalledSince: ContinuousClock.Instant?
    var lastSim = 0.0
    var estopPressed = false
    var recoveries = 0
    while true {
      try await pause(seconds: 0.5)
      let simS = shiftClock.simSeconds
      let status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
      let done = status.robots.reduce(0) { $0 + $1.cyclesDone }
      let ok = status.robots.reduce(0) { $0 + $1.cyclesOk }
      let wallS = (ContinuousClock.now - wallStart).seconds
      let speed = wallS > 0 ? simS / wallS : 0
      let byCycles = settings.cyclesPerRobot > 0
      if let at = settings.estopAtS, !estopPressed, simS >= at {
        estopPressed = true
        _ = try await sim.injectFault(
          .with {
            $0.kind = .estop
            $0.side = .left
            $0.duration = .init(rounding: 2)
          }, options: .timeout(seconds: 10, waitForReady: true))
        progress(String(format: "e-stop pressed on the left side at sim %.1f s (released after 2 s)", simS))
      }
      // A robot halted by an e-stop or a latched fault: once the chain is closed again, the
      // operator's reset and start (Start resets the PLC fault, resumes control, homes the arm).
      for robot in status.robots where robot.runState == .faulted && robot.safety.estopOk {
        let left = byCycles ? settings.cyclesPerRobot - UInt32(clamping: min(robot.cyclesDone, UInt64(settings.cyclesPerRobot))) : 0
        guard !byCycles || left > 0 else { continue }
        recoveries += 1
        guard recoveries <= 50 else { throw DemoError("more than 50 robot faults in one shift; see \(settings.directory.path)/fleet.log") }
        do {
          _ = try await cell.start(
            .with {
              $0.robots = [robot.robot]
              $0.cycleLimit = left
            }, options: .timeout(seconds: 60, waitForReady: true))
          progress("robot \(robot.robot) reset and restarted after: \(robot.safety.reason)")
        } catch {
          progress("robot \(robot.robot) could not restart yet: \(error)")
        }
      }
      let finished =
        byCycles
        ? status.robots.allSatisfy {
          $0.runState == .idle || ($0.runState == .faulted && $0.cyclesDone >= UInt64(settings.cyclesPerRobot))
        } : simS >= shiftS
      if ContinuousClock.now - lastLine >= .seconds(2) || finished {
        lastLine = .now
        let remainingS = byCycles ? nil : max(0, shiftS - simS) / max(speed, 1e-6)
        progress(
          String(
            format: "sim %@  cycles %llu  yield so far %@  speed-up %.1f×  wall %.0f s%@",
            Self.clockText(simS), done, done == 0 ? "–" : String(format: "%.1f %%", Double(ok) / Double(done) * 100), speed, wallS,
            remainingS.map { String(format: "  ETA %.0f s", $0) } ?? "") + (page.url.map { "  page \($0)" } ?? ""))
      }
      if finished { break }
      // Every wait has a deadline: a world that stops moving for a minute ends the demo.
      if simS > lastSim {
        lastSim = simS
        stalledSince = nil
      } else if let since = stalledSince {
        if ContinuousClock.now - since > .seconds(60) {
          throw DemoError("the simulation clock has not moved for 60 s; see \(settings.directory.path)/fleet.log")
        }
      } else {
        stalledSince = .now
      }
    }
    // The shift is over: no new cycles; the ones in progress finish.
    _ = try await cell.stop(.init(), options: .timeout(seconds: 10, waitForReady: true))
    let drainDeadline = ContinuousClock.now + .seconds(300)
    var status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
    var lastDrainLine = ContinuousClock.now
    while true {
      let busy = status.robots.filter { [.stopping, .running, .pausing].contains($0.runState) }
      let backlog = status.robots.reduce(0) { $0 + Int($1.outboxDepth) }
      if busy.isEmpty, backlog == 0 { break }
      let waiting =
        busy.map { "\($0.robot) \($0.runState) in \($0.step)" }.joined(separator: ", ")
        + (backlog > 0 ? "\(busy.isEmpty ? "" : ", ")\(backlog) record(s) in the outbox" : "")
      if ContinuousClock.now >= drainDeadline {
        progress("warning: the shift did not drain in 300 s (\(waiting)); the report below may miss those cycles")
        break
      }
      if ContinuousClock.now - lastDrainLine >= .seconds(10) {
        lastDrainLine = .now
        progress("shift over; waiting for \(waiting)")
      }
      try await pause(seconds: 0.25)
      status = try await cell.getStatus(.init(), options: .timeout(seconds: 10, waitForReady: true))
    }
    let cellCycles = status.robots.reduce(0) { $0 + $1.cyclesDone }
    let simS = shiftClock.simSeconds
    let wallS = (ContinuousClock.now - wallStart).seconds
    let to = shiftClock.now.addingTimeInterval(1)
    let whole = try await yield.queryYield(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).rows.first
    let perRobot = try await yield.queryYield(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
        $0.groupBy = [.robot]
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).rows
    let pareto = try await yield.queryPareto(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).failures
    let model = try await yield.listCycles(
      .with {
        $0.from = Google_Protobuf_Timestamp(date: from)
        $0.to = Google_Protobuf_Timestamp(date: to)
        $0.limit = 1
      }, options: .timeout(seconds: 30, waitForReady: true)
    ).cycles.first?.modelVersion ?? "–"
    var records: [Workcell_Common_V1_CycleRecord] = []
    var pageToken = ""
    repeat {
      let page = try await yield.listCycles(
        .with {
          $0.from = Google_Protobuf_Timestamp(date: from)
          $0.to = Google_Protobuf_Timestamp(date: to)
          $0.limit = 10_000
          $0.pageToken = pageToken
        }, options: .timeout(seconds: 60, waitForReady: true))
      records += page.cycles
      pageToken = page.nextPageToken
    } while !pageToken.isEmpty
    return Result(
      settings: settings, whole: whole, perRobot: perRobot, pareto: pareto, simSeconds: simS, wallSeconds: wallS, from: from,
      to: to, modelVersion: model.isEmpty ? "–" : model, cellCycles: cellCycles, recoveries: recoveries,
      recordsSHA256: CycleRecordsDigest.sha256(records))
  }

  /// Waits `seconds` on the fleet's clock (simulated seconds on simulated time).
  func pause(seconds: Double) async throws {
    try await clock.sleep(seconds: seconds)
  }

  /// On simulated time, right after the Reset: holds the clock at the shift's first instant
  /// until every stream the shift depends on has its publisher running (sensor streams into
  /// perception, plc-bridge's safety into the cell and control, the cell's robot loops),
  /// so no stream starts a few simulated milliseconds later in one run than in another.
  func waitForParticipants() async throws {
    guard let simClock else { return }
    let sides = settings.robots == 1 ? ["left"] : ["left", "right"]
    var expected = sides.flatMap { ["sim.camera.\($0)_feeder", "sim.camera.\($0)_fixture", "cell.\($0)"] }
    expected.append("plc-bridge.watch-safety")
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      let running = simClock.participants
      let missing = expected.filter { !running.contains($0) }
      let tactile = running.filter { $0.hasPrefix("sim.tactile.") }.count
      let safety = running.filter { $0 == "plc-bridge.watch-safety" }.count
      if missing.isEmpty, tactile >= settings.robots, safety >= 1 + settings.robots { return }
      guard ContinuousClock.now < deadline else {
        throw DemoError(
          "the fleet's streams did not all start within 60 s of Reset (missing: \(missing.joined(separator: ", ")); tactile \(tactile), safety \(safety)); see \(settings.directory.path)/fleet.log")
      }
      // Wall time: the clock stands still at the shift's first instant meanwhile.
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  static func clockText(_ seconds: Double) -> String {
    let s = Int(seconds)
    return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
  }

  /// One progress line on standard error.
  func progress(_ line: String) {
    FileHandle.standardError.write(Data(("[demo] " + line + "\n").utf8))
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// The demo could not finish its shift.
struct DemoError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The shift's time as the demo reads it: the fleet's simulated clock, or (on `--realtime`)
/// cell-sim's published clock.
final class ShiftClock: Sendable {
  private let clock: any WorkcellClock
  private let start: Date
  private let tick: Mutex<Workcell_Sim_V1_SimClockTick>

  init(clock: any WorkcellClock, reset: Workcell_Sim_V1_SimClockTick) {
    self.clock = clock
    self.start = reset.now.date
    self.tick = Mutex(reset)
  }

  func update(_ tick: Workcell_Sim_V1_SimClockTick) { self.tick.withLock { $0 = tick } }

  /// Simulated seconds since the Reset.
  var simSeconds: Double {
    clock.isSimulated ? clock.now().timeIntervalSince(start) : tick.withLock { $0 }.simTime.timeInterval
  }

  /// Now on the shift's clock.
  var now: Date { clock.isSimulated ? clock.now() : tick.withLock { $0 }.now.date }
}

extension DemoFleet.Settings {
  // Port plan of the demo: the fleet order from grpcBase, then the joint bus (UDP), the right
  // robot's control, and the simulated PLCs (Modbus TCP, one port per side).
  var jointBusPort: Int { FleetPortPlan.jointBusPort(grpcBase: grpcBase) }
  var rightControlPort: Int { jointBusPort + 1 }
  /// The simulated PLCs' Modbus TCP ports, one per side.
  var plcPorts: [Int] { (0..<robots).map { jointBusPort + 3 + $0 } }
  func port(_ service: String) -> Int { grpcBase + FleetPortPlan.offset(of: service)! }

  /// The services the demo's process runs, in start order.
  var serviceOrder: [String] {
    ["cell-sim", "yield", "plc-bridge", "perception", "policy", "control", "cell"].filter {
      !($0 == "yield" && externalYield != nil)
    }
  }

  /// The gRPC ports of the services the demo's process runs.
  var servedPorts: [Int] { serviceOrder.map(port) + (robots == 2 ? [rightControlPort] : []) }
}
