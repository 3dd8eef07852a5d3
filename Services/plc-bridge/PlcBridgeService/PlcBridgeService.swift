import WorkcellProto
import WorkcellRuntime

/// plc-bridge: the Modbus TCP client to a cell's feeder and fixture PLCs; owns the handshakes,
/// heartbeat and e-stop handling, and hides registers from every other service.
public enum PlcBridgeService: FleetService {
  public typealias Options = PlcBridgeOptions
  public static let name = "plc-bridge"
  public static let abstract = "Bridges a cell's feeder and fixture PLCs (Modbus TCP) to gRPC."
  public static let discussion = """
    Serves workcell.plc.v1.PlcBridge for every side given by --feeder/--fixture: the feeder and \
    fixture handshakes of docs/plc-io-map.md as state machines driven by a poll of each PLC (every \
    --poll-ms), the HEARTBEAT toggle, a safety stream (e-stop, faults, connection) and an I/O \
    snapshot. Every wait honours the caller's deadline; e-stop or a lost connection aborts the \
    handshake in progress. Example: plc-bridge --feeder left=10.1.7.21:502/1 --fixture left=10.1.7.21:502/2. \
    Without --feeder/--fixture (or WORKCELL_PLC_FEEDERS/FIXTURES) the sides come from the plant \
    file's cell (--plant-config FILE --cell ID).
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    let (configured, timing) = try options.resolve(environment: context.environment, plantCell: context.plantCell)
    let metrics = PlcMetrics(registry: context.metrics)
    var sides: [Workcell_Common_V1_Side: PlcSide] = [:]
    var links: [PlcDeviceLink] = []
    for (feederEndpoint, fixtureEndpoint) in configured {
      let feeder = try PlcDeviceLink(kind: .feeder, endpoint: feederEndpoint, timing: timing, metrics: metrics, logger: context.logger, clock: context.clock,
        inProcess: context.inProcess?.modbus)
      let fixture = try PlcDeviceLink(
        kind: .fixture, endpoint: fixtureEndpoint, timing: timing, metrics: metrics, logger: context.logger, clock: context.clock,
        inProcess: context.inProcess?.modbus)
      sides[feederEndpoint.side] = PlcSide(
        side: feederEndpoint.side, feeder: feeder, fixture: fixture, metrics: metrics, logger: context.logger)
      links += [feeder, fixture]
    }
    if sides.isEmpty {
      context.logger.notice("no PLC configured: every side answers INVALID_ARGUMENT (give --feeder and --fixture)")
    }
    return ServiceParts(
      rpcServices: [
        .init(
          name: Workcell_Plc_V1_PlcBridge.descriptor.fullyQualifiedService,
          service: PlcBridgeRPC(sides: sides, safetyPeriod: timing.pollPeriod, clock: context.clock))
      ],
      backgroundServices: links)
  }
}

extension Duration {
  /// The duration in whole milliseconds (rounded down), for `_ms` fields and messages.
  var elapsedMilliseconds: Int64 {
    components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
  }
}
