import WorkcellProto
import WorkcellRuntime

/// yield: the plant-wide record of every cycle and state event, and the MES's source of yield,
/// first-pass yield, OEE and failure Pareto (gRPC and REST, see YIELD-API.md).
public enum YieldService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "yield"
  public static let abstract = "Stores cycles and state events; answers the MES with yield, OEE and Pareto."
  public static let discussion = """
    Serves workcell.yield.v1.Yield (and, later, the REST API of YIELD-API.md on the HTTP port). \
    Storage on PostgreSQL or embedded SQLite is built by issue #3 (yield service); until then \
    every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Yield_V1_Yield.descriptor,
      methods: Workcell_Yield_V1_Yield.Method.descriptors,
      plannedIn: "issue #3 (yield service: what the MES asks, answered from PostgreSQL)")
  }
}
