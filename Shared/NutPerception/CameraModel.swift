/// A calibrated pinhole camera: intrinsics, and where its optical frame (z forward along the
/// view, x along image u, y along image v) sits in the output frame (normally the torso's).
public struct CameraModel: Sendable, Hashable {
  /// Focal lengths, pixels.
  public var fxPx: Double, fyPx: Double
  /// Principal point, pixels.
  public var cxPx: Double, cyPx: Double
  /// Optical frame → output frame.
  public var opticalToFrame: RigidTransform
  /// Name of the output frame, e.g. "torso" (echoed on poses).
  public var frameName: String

  /// A camera; see the properties.
  public init(
    fxPx: Double, fyPx: Double, cxPx: Double, cyPx: Double, opticalToFrame: RigidTransform = .identity,
    frameName: String = "camera"
  ) {
    self.fxPx = fxPx
    self.fyPx = fyPx
    self.cxPx = cxPx
    self.cyPx = cyPx
    self.opticalToFrame = opticalToFrame
    self.frameName = frameName
  }

  /// Throws `invalidParameter` unless the focal lengths are positive and everything is finite.
  public func validate() throws(PerceptionError) {
    let values = [fxPx, fyPx, cxPx, cyPx]
    guard fxPx > 0, fyPx > 0, values.allSatisfy(\.isFinite) else {
      throw PerceptionError(code: .invalidParameter, message: "camera intrinsics \(values) must be finite, fx/fy > 0")
    }
  }
}
