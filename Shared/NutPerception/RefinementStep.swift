/// One tactile correction: how to move the gripper target, what it should leave, whether to stop.
public struct RefinementStep: Sendable, Hashable {
  /// Move of the gripper target in the gripper frame, mm (opposite the nut's error, damped, clamped).
  public var deltaPositionMm: SIMD3<Double>
  /// Turn of the gripper about the nut's axis, degrees, in the spline phase's sense (+ raises it).
  public var deltaYawDeg: Double
  /// Position error measured before the step, mm.
  public var errorMm: Double
  /// Phase error measured before the step, degrees (0 when the phase is unknown).
  public var errorDeg: Double
  /// Position error predicted to remain after the step, mm.
  public var residualMm: Double
  /// Phase error predicted to remain after the step, degrees.
  public var residualDeg: Double
  /// Within both tolerances already: the step is zero, stop iterating.
  public var converged: Bool
}
