/// Tuning of ``TactileGraspSensor``. Defaults suit 11 × 9 pads at 1.6 mm pitch, noise ≈ 0.3 kPa,
/// grip forces of 5–70 N.
public struct TactileConfig: Sendable, Hashable {
  /// A taxel over this pressure is in contact, kPa.
  public var contactThresholdKPa: Double
  /// Each finger needs at least this normal force for the fingers to be holding a nut, N.
  public var minHoldForceN: Double
  /// Largest relative force difference between the fingers for a two-sided (holding) contact.
  public var maxForceImbalance: Double
  /// Seated: contact centroid within this of the pad centre, mm.
  public var seatedToleranceMm: Double
  /// Seated: line-contact slant below this, mm.
  public var maxTiltMm: Double
  /// Slipping: contact centroid speed over this, mm/s.
  public var slipSpeedMmPerS: Double
  /// Unexpected contact: pressure unexplained by the nut's line contact over this, kPa …
  public var unexpectedKPa: Double
  /// … and over this fraction of the finger's peak pressure.
  public var unexpectedFractionOfPeak: Double
  /// Confidence left when an unexpected contact is seen.
  public var unexpectedContactConfidence: Double

  /// The values the docs list (docs/perception.md).
  public static var defaults: TactileConfig {
    TactileConfig(
      contactThresholdKPa: 2, minHoldForceN: 2, maxForceImbalance: 0.3, seatedToleranceMm: 1.0, maxTiltMm: 0.5,
      slipSpeedMmPerS: 10, unexpectedKPa: 5, unexpectedFractionOfPeak: 0.015, unexpectedContactConfidence: 0.3)
  }
}
