import RobotDescription

/// Per-joint limits in joint-bus order (0–6 left arm, 7–13 right arm), enforced in one place
/// (``WholeBodyController``'s limiter) before any command leaves the controller. The defaults are
/// the robot description's (``RobotDescription/reference``: the Panda-like arms the simulated cell
/// models, with the Panda's published acceleration limits).
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

  /// The robot description's limits (``RobotDescription/reference``): joints named
  /// `left_arm_joint_1` … `left_arm_joint_7`, `right_arm_joint_1` … `right_arm_joint_7` (the names
  /// the committed policy model `wc-mlp-1` emits); a chunk may overshoot a position limit by
  /// 0.02 rad (clamped) and the speed limit by 10 % (slowed) before it is refused.
  public static var defaults: JointLimits { JointLimits(robot: .reference) }

  /// `robot`'s joint and gripper limits, every arm, bus order, with the default tolerances.
  public init(robot: RobotDescription, positionToleranceRad: Double = 0.02, velocityToleranceFraction: Double = 0.1) {
    let arm = robot.arm
    self.init(
      jointNames: robot.jointNames,
      positionMinRad: robot.everyArm(arm.positionMinRad),
      positionMaxRad: robot.everyArm(arm.positionMaxRad),
      velocityMaxRadPerS: robot.everyArm(arm.velocityMaxRadPerS),
      accelerationMaxRadPerS2: robot.everyArm(arm.accelerationMaxRadPerS2),
      torqueMaxNm: robot.everyArm(arm.torqueMaxNm),
      gripperNames: robot.gripperNames,
      gripperMaxWidthM: robot.gripper.maxWidthM,
      gripperMaxForceN: robot.gripper.maxForceN,
      positionToleranceRad: positionToleranceRad,
      velocityToleranceFraction: velocityToleranceFraction)
  }
}
