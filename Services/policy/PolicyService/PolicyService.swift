import WorkcellProto
import WorkcellRuntime

/// policy: serves the vision-language-action policy — an observation in, an action chunk out —
/// with versioned models that can be loaded and activated without a restart.
public enum PolicyService: FleetService {
  public typealias Options = NoServiceOptions
  public static let name = "policy"
  public static let abstract = "Serves the visuomotor policy: observations in, action chunks out."
  public static let discussion = """
    Serves workcell.policy.v1.Policy. The policy runtime and its trained model are built by \
    issue #6 (the cycle end to end); until then every RPC answers UNIMPLEMENTED.
    """

  public static func makeParts(options: Options, context: ServiceContext) async throws -> ServiceParts {
    .pending(
      Workcell_Policy_V1_Policy.descriptor,
      methods: Workcell_Policy_V1_Policy.Method.descriptors,
      plannedIn: "issue #6 (the cycle end to end: sequencer, perception, policy and control)")
  }
}
