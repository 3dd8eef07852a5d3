import ArgumentParser
import Foundation
import Logging
import SimulatedTime
import WorkcellRuntime

/// `workcell serve`: runs the chosen fleet services in this one process, each on its own gRPC
/// and HTTP ports, still talking gRPC to each other (like Loki's or Mimir's monolithic mode).
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run fleet services in one process (all of them, or a list).",
    discussion: """
      Each service listens on its own ports: gRPC at --grpc-port-base plus its index and HTTP \
      (/metrics, /healthz, /readyz) at --http-port-base plus its index, in the order \
      \(FleetPortPlan.order.enumerated().map { "\($0.element)=\($0.offset)" }.joined(separator: ", ")). \
      With the defaults that is the same port each service uses when run alone.
      """
  )

  @Option(
    help: ArgumentHelp(
      "Services to run: 'all' or a comma-separated list (\(FleetPortPlan.order.joined(separator: ", "))).",
      discussion: "Env: WORKCELL_TARGET. Default: all."))
  var target: String?

  @Option(
    help: ArgumentHelp(
      "First gRPC port of the port plan.",
      discussion: "Env: WORKCELL_GRPC_PORT_BASE. Default: \(FleetPortPlan.grpcBase)."))
  var grpcPortBase: Int?

  @Option(
    help: ArgumentHelp(
      "First HTTP port of the port plan.",
      discussion: "Env: WORKCELL_HTTP_PORT_BASE. Default: \(FleetPortPlan.httpBase)."))
  var httpPortBase: Int?

  @OptionGroup(title: "Runtime") var runtime: RuntimeOptions

  func run() async throws {
    var environment = ProcessInfo.processInfo.environment
    let env = EnvironmentDefaults(environment)
    let config = try runtime.resolve(environment: environment)
    let entries = try FleetCatalog.select(try env.value(target, "WORKCELL_TARGET", default: "all"))
    let grpcBase = try env.value(grpcPortBase, "WORKCELL_GRPC_PORT_BASE", default: FleetPortPlan.grpcBase)
    let httpBase = try env.value(httpPortBase, "WORKCELL_HTTP_PORT_BASE", default: FleetPortPlan.httpBase)

    let plant = try config.loadPlant()
    WorkcellLogging.bootstrap(format: config.logFormat, level: config.logLevel)
    let logger = Logger(label: "workcell.serve")
    // Several services in one process present one identity as clients: the sequencer's when it
    // is here (it is the one that moves robots), else the first service's.
    let names = entries.map(\.name)
    try config.enableTLS(clientIdentity: names.contains("cell") ? "cell" : names[0], logger: logger)
    // A plant file that gives the cell its PLCs wins over the simulated ones.
    let plantGivesPLCs = plant?.cell?.robots.isEmpty == false
    if !plantGivesPLCs,
      let wiring = try Self.bridgeToSimulatedPLCs(entries.map(\.name), host: config.host, environment: environment)
    {
      environment.merge(wiring) { _, wired in wired }
      logger.info("plc-bridge drives cell-sim's simulated PLCs", metadata: ["feeders": "\(wiring["WORKCELL_PLC_FEEDERS"]!)"])
    }
    for (key, value) in Self.wireFleet(entries.map(\.name), host: config.host, grpcBase: grpcBase, environment: environment)
    where environment[key] == nil {
      environment[key] = value
    }
    var members: [FleetMember] = []
    for entry in entries {
      let offset = FleetPortPlan.offset(of: entry.name) ?? 0
      let ports = ServicePorts(grpc: grpcBase + offset, http: httpBase + offset)
      try ports.validate()
      members.append(try await entry.build(config.host, ports, environment, plant, WallClock(), nil, nil, logger))
    }
    logger.info("starting", metadata: ["services": "\(entries.map(\.name).joined(separator: ","))"])
    try await FleetRunner.run(members: members, grace: config.shutdownGrace, logger: logger)
  }

  /// Services of one process that follow each other: perception reads cell-sim's sensor streams,
  /// control drives cell-sim's joint bus and takes its e-stop input from plc-bridge. Settings
  /// already in the environment win.
  static func wireFleet(
    _ services: [String], host: String, grpcBase: Int, environment: [String: String] = [:]
  ) -> [String: String] {
    let peerHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
    func address(of service: String) -> String? {
      guard services.contains(service), let offset = FleetPortPlan.offset(of: service) else { return nil }
      return "\(peerHost):\(grpcBase + offset)"
    }
    var wiring: [String: String] = [:]
    if services.contains("perception"), let sensors = address(of: "cell-sim") {
      wiring["WORKCELL_PERCEPTION_SENSORS"] = sensors
    }
    if services.contains("control"), let bridge = address(of: "plc-bridge") {
      wiring["WORKCELL_CONTROL_PLC_BRIDGE"] = bridge
    }
    if services.contains("control"), services.contains("cell-sim") {
      // cell-sim's joint bus on a known UDP port (unless one is set), control driving its left robot.
      let configured = environment["WORKCELL_SIM_JOINT_BUS_PORT"].flatMap(Int.init)
      let port = configured ?? FleetPortPlan.jointBusPort(grpcBase: grpcBase)
      if port > 0 {
        wiring["WORKCELL_SIM_JOINT_BUS_PORT"] = "\(port)"
        wiring["WORKCELL_CONTROL_JOINT_BUS"] = "\(peerHost):\(port)"
      }
    }
    if services.contains("cell") {
      // The sequencer drives the one control of this process (the left robot) and reports to
      // this process's yield; with cell-sim here it runs on the simulated clock.
      wiring["WORKCELL_CELL_ROBOTS"] = "left=left"
      if let control = address(of: "control") { wiring["WORKCELL_CELL_CONTROL"] = "left=\(control)" }
      for (service, key) in [
        ("plc-bridge", "WORKCELL_CELL_PLC_BRIDGE"), ("perception", "WORKCELL_CELL_PERCEPTION"),
        ("policy", "WORKCELL_CELL_POLICY"), ("yield", "WORKCELL_CELL_YIELD"), ("cell-sim", "WORKCELL_CELL_SIM"),
      ] {
        if let peer = address(of: service) { wiring[key] = peer }
      }
      if services.contains("cell-sim") { wiring["WORKCELL_CELL_CLOCK"] = "sim" }
    }
    return wiring
  }

  /// With plc-bridge and cell-sim in one process and no PLCs configured, the bridge drives the
  /// simulated PLCs (left at the sim's PLC port base, right at the next port), so the fleet is a
  /// working cell out of the box. Nil when there is nothing to wire.
  static func bridgeToSimulatedPLCs(
    _ services: [String], host: String, environment: [String: String]
  ) throws -> [String: String]? {
    guard services.contains("plc-bridge"), services.contains("cell-sim"),
      environment["WORKCELL_PLC_FEEDERS"] == nil, environment["WORKCELL_PLC_FIXTURES"] == nil
    else { return nil }
    let base = try EnvironmentDefaults(environment).value(nil as Int?, "WORKCELL_SIM_PLC_PORT_BASE", default: 5020)
    guard base > 0 else { return nil }  // the sim picks free ports: nothing known to wire
    let sides = (environment["WORKCELL_SIM_SIDES"] ?? "left,right").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    let plcHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
    let endpoints = sides.enumerated().map { index, side in "\(side)=\(plcHost):\(base + index)" }
    return [
      "WORKCELL_PLC_FEEDERS": endpoints.map { "\($0)/1" }.joined(separator: ","),
      "WORKCELL_PLC_FIXTURES": endpoints.map { "\($0)/2" }.joined(separator: ","),
    ]
  }
}
