import WorkcellProto
import WorkcellRuntime

/// cell-sim: the simulated cell — robots, nut, feeder, fixture, sensors and the real cell's
/// failure modes — reached through the same interfaces as hardware.
public enum CellSimService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "cell-sim"
  public static let abstract = "Simulates a cell (robots, nut, feeder, fixture, sensors) for development and tests."
  public static let discussion = """
    Serves workcell.sim.v1.SimSensors and workcell.sim.v1.SimControl; later also the simulated \
    PLCs (Modbus TCP) and the UDP joint bus. The world model is built by issue #5 (cell-sim); \
    until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      [
        (Workcell_Sim_V1_SimSensors.descriptor, Workcell_Sim_V1_SimSensors.Method.descriptors),
        (Workcell_Sim_V1_SimControl.descriptor, Workcell_Sim_V1_SimControl.Method.descriptors),
      ],
      plannedIn: "issue #5 (cell-sim: the simulated cell)")
  }
}
