/// What the fusion weighs for one gripper at one instant. Any modality may be missing.
public struct FusionInputs: Sendable, Hashable {
  /// The newest camera estimate (feeder camera before the pick, fixture camera after).
  public var vision: VisionEstimate?
  /// The newest fingertip estimate.
  public var tactile: TactileEstimate?
  /// The newest contact wrench.
  public var wrench: ContactWrench?
  /// Gripper (TCP) frame → output frame, from the arm's kinematics: places touch's nut offset.
  public var gripperToFrame: RigidTransform?
  /// Name of the output frame (must match the camera model's), e.g. "torso".
  public var frameName: String

  /// Inputs; see the properties.
  public init(
    vision: VisionEstimate? = nil, tactile: TactileEstimate? = nil, wrench: ContactWrench? = nil,
    gripperToFrame: RigidTransform? = nil, frameName: String = "torso"
  ) {
    self.vision = vision
    self.tactile = tactile
    self.wrench = wrench
    self.gripperToFrame = gripperToFrame
    self.frameName = frameName
  }
}
