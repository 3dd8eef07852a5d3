import WorkcellProto
import WorkcellRuntime

/// cell: the sequencer — runs the cycle for each robot of the cell with a time budget per step,
/// safe retries, and a durable outbox of cycle records for the yield service.
public enum CellService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "cell"
  public static let abstract = "Sequences the cell's cycles across PLC bridge, perception, policy and control."
  public static let discussion = """
    Serves workcell.cell.v1.Cell. The sequencer is built by issue #6 (the cycle end to end); \
    until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Cell_V1_Cell.descriptor,
      methods: Workcell_Cell_V1_Cell.Method.descriptors,
      plannedIn: "issue #6 (the cycle end to end: sequencer, perception, policy and control)")
  }
}
