/// Per-joint limits in joint-bus order (0–6 left arm, 7–13 right arm), enforced in one place
/// (``WholeBodyController``'s limiter) before any command leaves the controller. The defaults are
/// the Panda-like arms the simulated cell models (CellWorld's `RobotLayout`), with the Panda's
/// published acceleration limits.
public struct JointLimits: Sendable, Hashable {
  /// Joint names in bus order; chunks name their joints with these.
  public var jointNames: [String]
  /// Lower position limit, radians.
  public var positionMinRad: [Double]
  /// Upper position limit, radians.
  public var positionMaxRad: [Double]
  /// Speed limit, rad/s.
  public var velocityMaxRadPerS: [Double]
  /// Acceleration limit, rad/s² (also the deceleration of holds and controlled stops).
  public var accelerationMaxRadPerS2: [Double]
  /// Torque limit, N·m.
  public var torqueMaxNm: [Double]
  /// Gripper names in bus order.
  public var gripperNames: [String]
  /// Largest gripper opening, metres.
  public var gripperMaxWidthM: Double
  /// Largest grip force, newtons.
  public var gripperMaxForceN: Double
  /// How far a chunk's target may lie outside the position limits before the chunk is refused
  /// (reason `limit`) instead of clamped, radians.
  public var positionToleranceRad: Double
  /// How far a chunk's step-to-step speed may exceed the speed limit, as a fraction of it, before
  /// the chunk is refused instead of slowed.
  public var velocityToleranceFraction: Double

  /// Limits from their parts; every per-joint array has one entry per name.
  public init(
    jointNames: [String], positionMinRad: [Double], positionMaxRad: [Double], velocityMaxRadPerS: [Double],
    accelerationMaxRadPerS2: [Double], torqueMaxNm: [Double], gripperNames: [String], gripperMaxWidthM: Double,
    gripperMaxForceN: Double, positionToleranceRad: Double, velocityToleranceFraction: Double
  ) {
    self.jointNames = jointNames
    self.positionMinRad = positionMinRad
    self.positionMaxRad = positionMaxRad
    self.velocityMaxRadPerS = velocityMaxRadPerS
    self.accelerationMaxRadPerS2 = accelerationMaxRadPerS2
    self.torqueMaxNm = torqueMaxNm
    self.gripperNames = gripperNames
    self.gripperMaxWidthM = gripperMaxWidthM
    self.gripperMaxForceN = gripperMaxForceN
    self.positionToleranceRad = positionToleranceRad
    self.velocityToleranceFraction = velocityToleranceFraction
  }

  /// Joints.
  public var jointCount: Int { jointNames.count }

  /// The simulated cell's robot: two Panda-like arms (CellWorld `RobotLayout`), joints named
  /// `left_arm_joint_1` … `left_arm_joint_7`, `right_arm_joint_1` … `right_arm_joint_7` (the names
  /// the committed policy model `wc-mlp-1` emits).
  public static var defaults: JointLimits {
    let arm = (1...7).map { "arm_joint_\($0)" }
    func both(_ values: [Double]) -> [Double] { values + values }
    return JointLimits(
      jointNames: arm.map { "left_\($0)" } + arm.map { "right_\($0)" },
      positionMinRad: both([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973]),
      positionMaxRad: both([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973]),
      velocityMaxRadPerS: both([2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61]),
      accelerationMaxRadPerS2: both([15, 7.5, 10, 12.5, 15, 20, 20]),
      torqueMaxNm: both([87, 87, 87, 87, 12, 12, 12]),
      gripperNames: ["left_gripper", "right_gripper"],
      gripperMaxWidthM: 0.08,
      gripperMaxForceN: 70,
      positionToleranceRad: 0.02,
      velocityToleranceFraction: 0.1)
  }
}
