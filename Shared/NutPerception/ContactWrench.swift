/// The wrench the environment exerts on the gripper's TCP (nut load, magnet, pin contact),
/// expressed in the Jacobian's frame, from joint torque residuals.
public struct ContactWrench: Sendable, Hashable {
  /// Force, newtons.
  public var forceN: SIMD3<Double>
  /// Torque about the TCP, newton-metres.
  public var torqueNm: SIMD3<Double>
  /// Torque residual the wrench leaves unexplained (‖Jᵀ W + r‖), N·m.
  public var unexplainedTorqueNm: Double
  /// How far the wrench can be believed.
  public var confidence: ModalityConfidence

  /// A wrench; see the properties.
  public init(
    forceN: SIMD3<Double>, torqueNm: SIMD3<Double>, unexplainedTorqueNm: Double, confidence: ModalityConfidence
  ) {
    self.forceN = forceN
    self.torqueNm = torqueNm
    self.unexplainedTorqueNm = unexplainedTorqueNm
    self.confidence = confidence
  }
}
