import RobotDescription

/// The drive gains the controller sends with every command (τ = kp (q* − q) + kd (q̇* − q̇) +
/// τ_ff), and the joint model its feed-forward torque comes from (τ_ff = I q̈* + b q̇*).
public struct JointGains: Sendable, Hashable {
  /// Position gain per joint, N·m/rad.
  public var kpNmPerRad: [Double]
  /// Velocity gain per joint, N·m·s/rad.
  public var kdNmSPerRad: [Double]
  /// Effective (reflected) inertia per joint for the feed-forward, kg·m²; zeros turn it off.
  public var inertiaKgM2: [Double]
  /// Viscous friction per joint for the feed-forward, N·m·s/rad; zeros turn it off.
  public var dampingNmSPerRad: [Double]

  /// Gains from their parts, one entry per joint.
  public init(kpNmPerRad: [Double], kdNmSPerRad: [Double], inertiaKgM2: [Double], dampingNmSPerRad: [Double]) {
    self.kpNmPerRad = kpNmPerRad
    self.kdNmSPerRad = kdNmSPerRad
    self.inertiaKgM2 = inertiaKgM2
    self.dampingNmSPerRad = dampingNmSPerRad
  }

  /// The robot description's hold gains and joint model (``RobotDescription/reference``).
  public static var defaults: JointGains { JointGains(robot: .reference) }

  /// `robot`'s hold gains and joint model, every arm, bus order.
  public init(robot: RobotDescription) {
    let arm = robot.arm
    self.init(
      kpNmPerRad: robot.everyArm(arm.holdKpNmPerRad), kdNmSPerRad: robot.everyArm(arm.holdKdNmSPerRad),
      inertiaKgM2: robot.everyArm(arm.inertiaKgM2), dampingNmSPerRad: robot.everyArm(arm.dampingNmSPerRad))
  }
}
