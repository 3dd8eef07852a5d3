import WorkcellProto
import WorkcellRuntime

/// perception: turns raw sensor frames (cameras, fingertip tactile arrays, joint torques) into a
/// fused state estimate of the nut and the grasp, with a confidence per modality.
public enum PerceptionService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "perception"
  public static let abstract = "Fuses camera, tactile and joint-torque data into nut and grasp estimates."
  public static let discussion = """
    Serves workcell.perception.v1.Perception. Its estimates and the tactile refinement step are \
    built by issue #6 (the cycle end to end); until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Perception_V1_Perception.descriptor,
      methods: Workcell_Perception_V1_Perception.Method.descriptors,
      plannedIn: "issue #6 (the cycle end to end: sequencer, perception, policy and control)")
  }
}
