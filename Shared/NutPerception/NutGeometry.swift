/// The nut as perception knows it from its drawing (no simulator types).
public struct NutGeometry: Sendable, Hashable {
  /// Teeth of the inner spline.
  public var splineTeeth: Int
  /// Outer radius, millimetres.
  public var outerRadiusMm: Double
  /// Radius of the spline's tooth tips (minor), millimetres.
  public var splineMinorRadiusMm: Double
  /// Radius of the spline's tooth roots (major), millimetres.
  public var splineMajorRadiusMm: Double
  /// Height, millimetres.
  public var heightMm: Double

  /// A nut; see the properties.
  public init(
    splineTeeth: Int, outerRadiusMm: Double, splineMinorRadiusMm: Double, splineMajorRadiusMm: Double, heightMm: Double
  ) {
    self.splineTeeth = splineTeeth
    self.outerRadiusMm = outerRadiusMm
    self.splineMinorRadiusMm = splineMinorRadiusMm
    self.splineMajorRadiusMm = splineMajorRadiusMm
    self.heightMm = heightMm
  }

  /// The line's M-series self-tapping nut: 12 teeth, Ø24 mm, spline 4.5/6 mm, 8 mm high.
  public static var defaults: NutGeometry {
    NutGeometry(splineTeeth: 12, outerRadiusMm: 12, splineMinorRadiusMm: 4.5, splineMajorRadiusMm: 6, heightMm: 8)
  }

  /// Angle between teeth, degrees.
  public var toothPitchDeg: Double { 360 / Double(splineTeeth) }

  /// Wraps an angle into [−pitch/2, pitch/2), degrees.
  public func wrapPhaseDeg(_ angleDeg: Double) -> Double {
    let pitch = toothPitchDeg
    var a = angleDeg.truncatingRemainder(dividingBy: pitch)
    if a >= pitch / 2 { a -= pitch }
    if a < -pitch / 2 { a += pitch }
    return a
  }

  /// Throws `invalidParameter` unless 0 < minor < major < outer, height > 0 and teeth ≥ 2.
  public func validate() throws(PerceptionError) {
    guard splineTeeth >= 2, splineMinorRadiusMm > 0, splineMinorRadiusMm < splineMajorRadiusMm,
      splineMajorRadiusMm < outerRadiusMm, heightMm > 0, outerRadiusMm.isFinite, heightMm.isFinite
    else {
      throw PerceptionError(
        code: .invalidParameter,
        message: "nut geometry needs teeth ≥ 2 and 0 < minor < major < outer radius, height > 0; got \(self)")
    }
  }
}
