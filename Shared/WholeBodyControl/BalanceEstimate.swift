/// The controller's balance picture for one tick, robot frame (feet centre origin, x forward).
public struct BalanceEstimate: Sendable, Hashable {
  /// Centre of mass, metres (z = the model's CoM height).
  public var comM: SIMD3<Double>
  /// Horizontal CoM velocity, m/s (z = 0).
  public var comVelocityMPerS: SIMD3<Double>
  /// Capture point ξ = x + ẋ/ω, metres (z = 0).
  public var capturePointM: SIMD3<Double>
  /// Distance of the capture point inside the support polygon; negative = outside (falling), metres.
  public var marginM: Double
  /// Torso lean from the IMU (roll, pitch), radians.
  public var rollRad: Double
  /// Torso pitch from the IMU, radians.
  public var pitchRad: Double

  /// A standing-still estimate with the given margin.
  public init(marginM: Double) {
    comM = .zero
    comVelocityMPerS = .zero
    capturePointM = .zero
    self.marginM = marginM
    rollRad = 0
    pitchRad = 0
  }
}
