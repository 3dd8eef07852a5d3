/// How far one modality can be believed right now (mirrors `workcell.perception.v1.ModalityConfidence`).
public struct ModalityConfidence: Sendable, Hashable {
  /// Which modality.
  public var modality: Modality
  /// In [0, 1]: 0 = ignore, 1 = fully trusted.
  public var confidence: Double
  /// Main reason when degraded; `.none` when not.
  public var reason: DegradationReason
  /// For logs and the operator, e.g. "glare on 18% of the nut ROI".
  public var detail: String

  /// A confidence; `confidence` is clamped into [0, 1] (NaN becomes 0).
  public init(modality: Modality, confidence: Double, reason: DegradationReason = .none, detail: String = "") {
    self.modality = modality
    self.confidence = confidence.isNaN ? 0 : min(max(confidence, 0), 1)
    self.reason = reason
    self.detail = detail
  }
}
