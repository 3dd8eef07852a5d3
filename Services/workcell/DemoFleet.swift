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

  var jointBusPort: Int { settings.jointBusPort }
  var rightControlPort: Int { settings.rightControlPort }
  var plcPortBase: Int { settings.plcPorts[0] }
  func port(_ service: String) -> Int { settings.port(service) }

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
