/// Targets for one step of a chunk (`workcell.policy.v1.ActionStep`); arrays follow the
/// chunk's joint and gripper name lists.
public struct PolicyActionStep: Sendable, Hashable {
  /// Joint position targets, radians.
  public var jointPositionsRad: [Double]
  /// Gripper opening targets, metres (≥ 0).
  public var gripperWidthsM: [Double]
  /// Grip force limits, newtons (≥ 0).
  public var gripForcesN: [Double]

  /// A step from its targets.
  public init(jointPositionsRad: [Double], gripperWidthsM: [Double], gripForcesN: [Double]) {
    self.jointPositionsRad = jointPositionsRad
    self.gripperWidthsM = gripperWidthsM
    self.gripForcesN = gripForcesN
  }
}
