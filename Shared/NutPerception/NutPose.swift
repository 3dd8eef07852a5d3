/// Where the nut is: its centre and the direction of one tooth, in a named frame.
public struct NutPose: Sendable, Hashable {
  /// Centre of the nut (half its height below the visible top face), metres.
  public var positionM: SIMD3<Double>
  /// Direction of one tooth centre about the frame's z axis, degrees in [−pitch/2, pitch/2):
  /// the spline repeats every tooth pitch, so a yaw is only known modulo it.
  public var yawDeg: Double
  /// Name of the frame, e.g. "torso" or "gripper".
  public var frameName: String

  /// A pose; see the properties.
  public init(positionM: SIMD3<Double>, yawDeg: Double, frameName: String) {
    self.positionM = positionM
    self.yawDeg = yawDeg
    self.frameName = frameName
  }
}
