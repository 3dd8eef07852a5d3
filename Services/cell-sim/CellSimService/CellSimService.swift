import ArgumentParser
import CellWorld
import ModbusTCP
import SimulatedPLC
import SimulatedTime
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

    @Option(
      help: ArgumentHelp(
        "UDP port of the robots' joint bus (docs/joint-bus.md); 0 = an ephemeral port, logged at start.",
        discussion: "Env: WORKCELL_SIM_JOINT_BUS_PORT. Default: 0."))
    var jointBusPort: Int?

    public init() {}
  }

  public static let name = "cell-sim"
  public static let abstract = "Simulates a cell (robots, nut, feeder, fixture, sensors) for development and tests."
  public static let discussion = """
    Serves the simulated feeder and fixture PLCs over Modbus TCP exactly as docs/plc-io-map.md \
    describes them (one port per side: feeder unit 1, fixture unit 2), the world model \
    (docs/simulation.md) once workcell.sim.v1.SimControl/Reset starts it: its sensors \
    (workcell.sim.v1.SimSensors), clock, ground truth, rates and faults, and the robots' joint bus \
    (one UDP datagram per 1 ms tick each way, docs/joint-bus.md). Before the first Reset the \
    world does not run and a nut is always seated on the fixture's pin; after it, the feeder's \
    part and the fixture's NUT_SEATED follow the world.
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
    let jointBusPort = try env.value(options.jointBusPort, "WORKCELL_SIM_JOINT_BUS_PORT", default: 0)
    guard (0...65535).contains(jointBusPort) else {
      throw ValidationError("--joint-bus-port must be 0–65535, got \(jointBusPort).")
    }
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
        config: config, seed: seed &+ UInt64(index) &* 1000, nutSeated: true, feederUnit: 1, fixtureUnit: 2,
        clock: context.clock)
      plcs[side] = endpoint
      var logger = context.logger
      logger[metadataKey: "side"] = "\(name)"
      servers.append(
        ModbusTCPServer(
          host: context.host, port: portBase == 0 ? 0 : portBase + index, device: endpoint,
          inProcess: context.inProcess?.modbus, logger: logger))
    }

    let host = SimWorldHost(plcs: plcs, clock: context.clock as? SimulationClock, jointBusHub: context.jointBusHub)
    var loopLogger = context.logger
    loopLogger[metadataKey: "component"] = "world"
    let loop = try SimWorldLoop(host: host, bindHost: context.host, port: jointBusPort, logger: loopLogger)
    var parts = ServiceParts(rpcServices: [
      .init(name: Workcell_Sim_V1_SimSensors.descriptor.fullyQualifiedService, service: SimSensorsService(host: host, clock: context.clock)),
      .init(
        name: Workcell_Sim_V1_SimControl.descriptor.fullyQualifiedService,
        service: SimControlService(plcs: plcs, host: host)),
    ])
    parts.backgroundServices = servers + [loop]
    return parts
  }
}
