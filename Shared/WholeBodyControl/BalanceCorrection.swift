import RobotHardware

/// A balance correction added to the joint reference every tick while the controller is powered
/// and holding or tracking: learned (a small network) or analytic (``AnalyticBalanceCorrection``).
/// Called at 1 kHz: it must not allocate and must return quickly. The limiter still bounds what
/// it asks for.
public protocol BalanceCorrection: Sendable {
  /// Writes a position offset per joint (bus order, radians) into `offsetsRad` (already sized,
  /// zeroed by the caller) for this tick's estimate and state.
  func correct(estimate: BalanceEstimate, state: JointStateInterfaces, offsetsRad: inout [Double])
}
