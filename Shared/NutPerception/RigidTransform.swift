/// A rigid transform `p_out = R · p_in + t` (metres), e.g. a camera's optical frame in the torso.
public struct RigidTransform: Sendable, Hashable {
  /// Columns of R: the input frame's x, y and z axes expressed in the output frame.
  public var xAxis: SIMD3<Double>, yAxis: SIMD3<Double>, zAxis: SIMD3<Double>
  /// Origin of the input frame in the output frame, metres.
  public var translationM: SIMD3<Double>

  /// A transform from the input frame's axes and origin expressed in the output frame.
  public init(xAxis: SIMD3<Double>, yAxis: SIMD3<Double>, zAxis: SIMD3<Double>, translationM: SIMD3<Double>) {
    self.xAxis = xAxis
    self.yAxis = yAxis
    self.zAxis = zAxis
    self.translationM = translationM
  }

  /// No rotation, no translation.
  public static let identity = RigidTransform(
    xAxis: [1, 0, 0], yAxis: [0, 1, 0], zAxis: [0, 0, 1], translationM: .zero)

  /// A point of the input frame in the output frame.
  @inlinable public func apply(_ pointM: SIMD3<Double>) -> SIMD3<Double> { rotate(pointM) + translationM }

  /// A direction of the input frame in the output frame (rotation only).
  @inlinable public func rotate(_ v: SIMD3<Double>) -> SIMD3<Double> { xAxis * v.x + yAxis * v.y + zAxis * v.z }
}
