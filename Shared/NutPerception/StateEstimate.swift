/// The fused state of one gripper's task at one instant (the library's side of
/// `workcell.perception.v1.StateEstimate`; the service adds robot, capture time and cycle step).
public struct StateEstimate: Sendable, Hashable {
  /// Nut pose in the output frame from the trusted modality; nil when no modality saw the nut.
  public var nutPose: NutPose?
  /// Spline phase against the reference, degrees in [−pitch/2, pitch/2); nil when nothing sees it.
  public var splinePhaseDeg: Double?
  /// Grasp state from touch (`.empty` without a tactile frame).
  public var grasp: GraspState
  /// Contact wrench from joint torques, if given.
  public var contactWrench: ContactWrench?
  /// One entry per modality, in `Modality` order (vision, tactile, joint torque).
  public var confidences: [ModalityConfidence]
  /// The modality the pose came from (`.unspecified` = none could be trusted).
  public var trustedModality: Modality
  /// The modality the spline phase came from (`.unspecified` = none).
  public var phaseModality: Modality
  /// Why: which modality was trusted and why the others were not, for logs and the operator.
  public var rationale: String
}
