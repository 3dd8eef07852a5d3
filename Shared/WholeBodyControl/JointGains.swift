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

  /// The simulated cell's hold gains and joint model (CellWorld `RobotLayout`).
  public static var defaults: JointGains {
    func both(_ values: [Double]) -> [Double] { values + values }
    return JointGains(
      kpNmPerRad: both([600, 600, 500, 500, 200, 150, 50]),
      kdNmSPerRad: both([40, 40, 30, 30, 10, 8, 4]),
      inertiaKgM2: both([0.6, 0.6, 0.3, 0.3, 0.05, 0.05, 0.02]),
      dampingNmSPerRad: both([2, 2, 1, 1, 0.2, 0.2, 0.1]))
  }
}
