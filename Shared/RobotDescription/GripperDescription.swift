/// A parallel gripper.
public struct GripperDescription: Sendable, Hashable {
  /// Largest opening, metres.
  public var maxWidthM: Double
  /// Largest grip force, newtons.
  public var maxForceN: Double
  /// Finger speed (change of opening), metres per second.
  public var speedMPerS: Double

  /// A gripper from its parts.
  public init(maxWidthM: Double, maxForceN: Double, speedMPerS: Double) {
    self.maxWidthM = maxWidthM
    self.maxForceN = maxForceN
    self.speedMPerS = speedMPerS
  }
}
