import WorkcellProto
import WorkcellRuntime

/// control: the 1 kHz whole-body controller of one robot — tracks action chunks within joint,
/// velocity, torque and balance limits, and stops safely on stale commands or e-stop.
public enum ControlService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "control"
  public static let abstract = "Whole-body control of one robot: tracks action chunks within limits at 1 kHz."
  public static let discussion = """
    Serves workcell.control.v1.Control and drives the robot over the UDP joint bus. The control \
    loop is built by issue #6 (the cycle end to end); until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Control_V1_Control.descriptor,
      methods: Workcell_Control_V1_Control.Method.descriptors,
      plannedIn: "issue #6 (the cycle end to end: sequencer, perception, policy and control)")
  }
}
