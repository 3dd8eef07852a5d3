/// What one camera frame says about the nut.
public struct VisionEstimate: Sendable, Hashable {
  /// A nut-sized dark ring was found.
  public var found: Bool
  /// Centre of the nut's outer outline (circle fit), pixels (u right, v down).
  public var centreUPx: Double, centreVPx: Double
  /// Centroid of the nut's dark pixels (image moments), pixels; biased by occlusion, unlike the fit.
  public var centroidUPx: Double, centroidVPx: Double
  /// Outer radius of the outline, pixels.
  public var outerRadiusPx: Double
  /// RMS distance of the outline points from the fitted circle, pixels.
  public var outlineResidualPx: Double
  /// Nut pose in the camera model's output frame; nil when not found.
  public var pose: NutPose?
  /// Distance of the nut's top face along the optical axis, metres (0 when not found).
  public var topFaceDepthM: Double
  /// Spline phase against the reference yaw, degrees in [−pitch/2, pitch/2); nil when not found.
  public var splinePhaseDeg: Double?
  /// Strength of the teeth's pattern on the phase ring in [0, 1] (1 = as a clean frame shows it).
  public var splinePhaseConfidence: Double
  /// Saturated pixels over the nut ROI (the outer disc), fraction.
  public var glareFraction: Double
  /// Nut area hidden by something other than glare or the image border, fraction.
  public var occlusionFraction: Double
  /// Nut ROI outside the image, fraction.
  public var outOfViewFraction: Double
  /// Dark (nut) pixels counted in the ROI.
  public var nutAreaPx: Int
  /// Nut pixels the geometry predicts for the fitted outline.
  public var expectedNutAreaPx: Double
  /// Vision's confidence, with the reason and a detail for the operator.
  public var confidence: ModalityConfidence

  /// An estimate that found nothing, with why.
  public static func notFound(reason: DegradationReason, detail: String) -> VisionEstimate {
    VisionEstimate(
      found: false, centreUPx: 0, centreVPx: 0, centroidUPx: 0, centroidVPx: 0, outerRadiusPx: 0,
      outlineResidualPx: 0, pose: nil, topFaceDepthM: 0, splinePhaseDeg: nil, splinePhaseConfidence: 0,
      glareFraction: 0, occlusionFraction: 0, outOfViewFraction: 0, nutAreaPx: 0, expectedNutAreaPx: 0,
      confidence: ModalityConfidence(modality: .vision, confidence: 0, reason: reason, detail: detail))
  }
}
