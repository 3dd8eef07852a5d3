import WorkcellProto
import WorkcellRuntime

/// plc-bridge: the Modbus TCP client to a cell's feeder and fixture PLCs; owns the handshakes,
/// heartbeat and e-stop handling, and hides registers from every other service.
public enum PlcBridgeService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "plc-bridge"
  public static let abstract = "Bridges a cell's feeder and fixture PLCs (Modbus TCP) to gRPC."
  public static let discussion = """
    Serves workcell.plc.v1.PlcBridge. The Modbus TCP client and the handshakes of \
    PLC-IO-MAP.md are built by issue #4 (PLC bridge); until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Plc_V1_PlcBridge.descriptor,
      methods: Workcell_Plc_V1_PlcBridge.Method.descriptors,
      plannedIn: "issue #4 (PLC bridge: Modbus TCP to the feeder and fixture)")
  }
}
