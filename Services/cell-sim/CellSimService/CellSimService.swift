import ArgumentParser
import ModbusTCP
import SimulatedPLC
import WorkcellProto
import WorkcellRuntime

/// cell-sim: the simulated cell — robots, nut, feeder, fixture, sensors and the real cell's
/// failure modes — reached through the same interfaces as hardware.
public enum CellSimService: FleetService {
  /// cell-sim's own flags.
  public struct Options: ParsableArguments, Sendable {
    @Option(
      help: ArgumentHelp(
        "Sides of the simulated cell, comma-separated (left, right).", discussion: "Env: WORKCELL_SIM_SIDES."))
    var sides: String?

    @Option(
      help: ArgumentHelp(
        "Modbus TCP port of the left side's simulated PLCs (feeder and fixture behind one port); the right side uses the next port.",
        discussion: "Env: WORKCELL_SIM_PLC_PORT_BASE. Default: 5020."))
    var plcPortBase: Int?

    @Option(
      help: ArgumentHelp(
        "Multiplies the PLCs' handshake timings (1 = the I/O map's typical figures; tests use 0.02–0.1).",
        discussion: "Env: WORKCELL_SIM_PLC_TIME_SCALE. Default: 1."))
    var plcTimeScale: Double?

    @Option(
      help: ArgumentHelp(
        "Relative jitter of the PLCs' timings (0.1 = ±10 %; 0 makes them exact, for benchmarks).",
        discussion: "Env: WORKCELL_SIM_PLC_JITTER. Default: 0.1."))
    var plcJitter: Double?

    @Option(help: ArgumentHelp("Random seed of the simulation.", discussion: "Env: WORKCELL_SIM_SEED. Default: 1."))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Nuts in each feeder's hopper at start.", discussion: "Env: WORKCELL_SIM_HOPPER. Default: 500."))
    var hopper: UInt16?

    public init() {}
  }

  public static let name = "cell-sim"
  public static let abstract = "Simulates a cell (robots, nut, feeder, fixture, sensors) for development and tests."
  public static let discussion = """
    Serves the simulated feeder and fixture PLCs over Modbus TCP exactly as PLC-IO-MAP.md \
    describes them (one port per side: feeder unit 1, fixture unit 2), and \
    workcell.sim.v1.SimControl's fault injection for them (feeder jam, hopper empty, heartbeat \
    loss, cross-thread, torque low/high, e-stop). Until the world model exists (issue #5) a nut \
    is always seated on the fixture's pin. The world model, sensors (workcell.sim.v1.SimSensors), \
    clock and ground truth are built by issue #5 (cell-sim) and answer UNIMPLEMENTED until then.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let env = EnvironmentDefaults(context.environment)
    let sideNames = try env.value(options.sides, "WORKCELL_SIM_SIDES", default: "left,right")
    let portBase = try env.value(options.plcPortBase, "WORKCELL_SIM_PLC_PORT_BASE", default: 5020)
    let timeScale = try env.value(options.plcTimeScale, "WORKCELL_SIM_PLC_TIME_SCALE", default: 1.0)
    let jitter = try env.value(options.plcJitter, "WORKCELL_SIM_PLC_JITTER", default: 0.1)
    guard (0...0.5).contains(jitter) else { throw ValidationError("--plc-jitter must be 0–0.5, got \(jitter).") }
    let seed = try env.value(options.seed, "WORKCELL_SIM_SEED", default: 1)
    let hopper = try env.value(options.hopper, "WORKCELL_SIM_HOPPER", default: 500)
    guard timeScale > 0, timeScale <= 100 else {
      throw ValidationError("--plc-time-scale must be in (0, 100], got \(timeScale).")
    }
    guard (0...65534).contains(portBase) else {
      throw ValidationError("--plc-port-base must be 0–65534, got \(portBase).")
    }

    var config = SimulatedPLCConfig.defaults
    config.timeScale = timeScale
    config.jitter = jitter
    config.hopperCapacity = hopper
    var plcs: [Workcell_Common_V1_Side: SimulatedPLCEndpoint] = [:]
    var servers: [ModbusTCPServer] = []
    for (index, name) in sideNames.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).enumerated() {
      let side: Workcell_Common_V1_Side
      switch name {
      case "left": side = .left
      case "right": side = .right
      default: throw ValidationError("--sides: unknown side '\(name)'; use left and/or right.")
      }
      let endpoint = SimulatedPLCEndpoint(
        config: config, seed: seed &+ UInt64(index) &* 1000, nutSeated: true, feederUnit: 1, fixtureUnit: 2)
      plcs[side] = endpoint
      var logger = context.logger
      logger[metadataKey: "side"] = "\(name)"
      servers.append(
        ModbusTCPServer(
          host: context.host, port: portBase == 0 ? 0 : portBase + index, device: endpoint, logger: logger))
    }

    var parts = ServiceParts.pending(
      Workcell_Sim_V1_SimSensors.descriptor, methods: Workcell_Sim_V1_SimSensors.Method.descriptors,
      plannedIn: "issue #5 (cell-sim: the simulated cell)")
    parts.rpcServices.append(
      .init(name: Workcell_Sim_V1_SimControl.descriptor.fullyQualifiedService, service: SimControlService(plcs: plcs)))
    parts.backgroundServices = servers
    return parts
  }
}
