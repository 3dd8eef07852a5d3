/// Tuning of ``NutVision``: grey bands and how hard each degradation weighs on confidence.
/// The defaults match the cell's lighting (table ≈ 200, nut ≈ 45, pin ≈ 120, noise σ ≈ 3).
public struct NutVisionConfig: Sendable, Hashable {
  /// Pixels at or below this grey level are nut (blackened steel).
  public var nutMaxGray: UInt8
  /// Pixels in this band are neither nut nor lit background: an occluder (arm, gripper, sleeve).
  public var occluderGray: ClosedRange<UInt8>
  /// Pixels at or above this grey level are saturated (glare).
  public var saturatedGray: UInt8
  /// Smallest dark component taken for a nut, pixels.
  public var minNutAreaPx: Int
  /// Fewest outline points for a circle fit.
  public var minOutlinePoints: Int
  /// Angular samples on each phase ring.
  public var phaseSamples: Int
  /// Radii of the phase rings as fractions of the way from the tooth tips to the roots.
  public var phaseRingFractions: [Double]
  /// Confidence lost per unit of glare fraction over the nut ROI.
  public var glarePenalty: Double
  /// Confidence lost per unit of occluded nut fraction.
  public var occlusionPenalty: Double
  /// Confidence lost per unit of the nut outside the image.
  public var outOfViewPenalty: Double
  /// Below this confidence a reason is named.
  public var degradedBelow: Double

  /// The values the docs list (docs/perception.md).
  public static var defaults: NutVisionConfig {
    NutVisionConfig(
      nutMaxGray: 60, occluderGray: 62...100, saturatedGray: 250, minNutAreaPx: 150, minOutlinePoints: 12,
      phaseSamples: 360, phaseRingFractions: [0.2, 0.5, 0.8], glarePenalty: 1.5, occlusionPenalty: 1.5,
      outOfViewPenalty: 1.5, degradedBelow: 0.95)
  }
}
