/// Where the nut should sit in the gripper and when to call it close enough.
public struct RefinementGoal: Sendable, Hashable {
  /// Desired nut centre in the gripper frame, mm (normally 0: centred).
  public var nutInGripperMm: SIMD3<Double>
  /// Desired spline phase, degrees (normally 0: aligned with the pin).
  public var splinePhaseDeg: Double
  /// Position tolerance for convergence, mm.
  public var toleranceMm: Double
  /// Phase tolerance for convergence, degrees.
  public var toleranceDeg: Double

  /// A goal; the default tolerances are the service's (0.2 mm, 1°: well inside the pin's 1.5 mm
  /// lead-in and ±4° chamfer capture).
  public init(
    nutInGripperMm: SIMD3<Double> = .zero, splinePhaseDeg: Double = 0, toleranceMm: Double = 0.2,
    toleranceDeg: Double = 1.0
  ) {
    self.nutInGripperMm = nutInGripperMm
    self.splinePhaseDeg = splinePhaseDeg
    self.toleranceMm = toleranceMm
    self.toleranceDeg = toleranceDeg
  }

  /// Throws `invalidParameter` unless the tolerances are positive and everything is finite.
  public func validate() throws(PerceptionError) {
    guard toleranceMm > 0, toleranceDeg > 0, splinePhaseDeg.isFinite,
      nutInGripperMm.x.isFinite, nutInGripperMm.y.isFinite, nutInGripperMm.z.isFinite
    else {
      throw PerceptionError(
        code: .invalidParameter, message: "refinement goal needs positive tolerances and finite targets; got \(self)")
    }
  }
}
