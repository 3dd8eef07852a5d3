/// Grasp state from the two fingertip pressure images of one gripper: holding, seated, slipping
/// (centroid motion between consecutive frames), contact centroid, normal force and unexpected
/// contact. Pure; a caller keeps the previous estimate for slip. Where the nut sits on the pads
/// comes from the line fit, or — with `offsetNet` — from the learned refinement, which reads the
/// frames and the line fit's answer.
public struct TactileGraspSensor: Sendable {
  /// Thresholds.
  public var config: TactileConfig
  /// The learned nut position on the pads (nil: the analytic line fit's).
  public var offsetNet: TactileOffsetNet?

  /// A sensor with `config`, and `offsetNet` for the nut's position while holding.
  public init(config: TactileConfig = .defaults, offsetNet: TactileOffsetNet? = nil) {
    self.config = config
    self.offsetNet = offsetNet
  }

  /// Estimates the grasp from finger a's and finger b's frames (b faces a, its columns mirrored).
  /// `previous` and `intervalS` (time since it) give slip; throws `inconsistentInputs` if the
  /// two frames differ in shape, `invalidParameter` for a non-positive interval.
  public func estimate(
    fingerA: TactileFrame, fingerB: TactileFrame, previous: TactileEstimate? = nil, intervalS: Double = 0.01
  ) throws(PerceptionError) -> TactileEstimate {
    guard fingerA.rows == fingerB.rows, fingerA.cols == fingerB.cols, fingerA.pitchMm == fingerB.pitchMm else {
      throw PerceptionError(
        code: .inconsistentInputs,
        message: "finger frames differ: \(fingerA.rows)×\(fingerA.cols)@\(fingerA.pitchMm) mm vs "
          + "\(fingerB.rows)×\(fingerB.cols)@\(fingerB.pitchMm) mm")
    }
    guard intervalS > 0, intervalS.isFinite else {
      throw PerceptionError(
        code: .invalidParameter, message: "interval since the previous frame \(intervalS) s must be > 0")
    }
    let (a, b) = FingerContact.both(fingerA, fingerB, contactThresholdKPa: config.contactThresholdKPa)
    let total = a.normalForceN + b.normalForceN
    let imbalance = total > 0 ? abs(a.normalForceN - b.normalForceN) / max(a.normalForceN, b.normalForceN) : 1
    let holding =
      a.normalForceN >= config.minHoldForceN && b.normalForceN >= config.minHoldForceN
      && imbalance <= config.maxForceImbalance
    var x = (a.lineCentreColMm - b.lineCentreColMm) / 2
    var y = (a.centroidRowMm + b.centroidRowMm) / 2
    if holding, let offsetNet {
      (x, y) = try offsetNet.offsetMm(
        fingerA: fingerA, fingerB: fingerB, analyticAcrossMm: x, analyticAlongMm: y, forceN: total)
    }
    var speed = 0.0
    if let previous, previous.grasp.holding, holding {
      let da = SIMD2(
        a.lineCentreColMm - previous.fingerA.lineCentreColMm, a.centroidRowMm - previous.fingerA.centroidRowMm)
      let db = SIMD2(
        b.lineCentreColMm - previous.fingerB.lineCentreColMm, b.centroidRowMm - previous.fingerB.centroidRowMm)
      let distance = (((da * da).sum()).squareRoot() + ((db * db).sum()).squareRoot()) / 2
      speed = distance / intervalS
    }
    let slipping = speed > config.slipSpeedMmPerS
    let seated =
      holding && !slipping && abs(x) <= config.seatedToleranceMm && abs(y) <= config.seatedToleranceMm
      && abs(a.tiltMm) <= config.maxTiltMm && abs(b.tiltMm) <= config.maxTiltMm

    // Unexpected contact: a one-sided or unbalanced touch, or pressure the line contact does not explain.
    var unexpected: String?
    for (name, finger) in [("a", a), ("b", b)] where unexpected == nil {
      if holding {
        let limit = max(config.unexpectedKPa, config.unexpectedFractionOfPeak * finger.peakKPa)
        if finger.unexplainedKPa > limit {
          unexpected =
            "unexpected contact on finger \(name): \(Int(finger.unexplainedKPa.rounded())) kPa off the nut's line contact"
            + " at row \(finger.unexplainedRow), col \(finger.unexplainedCol)"
        }
      } else if finger.peakKPa > config.unexpectedKPa {
        unexpected =
          "unexpected contact on finger \(name): \(Int(finger.peakKPa.rounded())) kPa without a nut between the fingers"
      }
    }
    let confidence: ModalityConfidence
    if let unexpected {
      confidence = ModalityConfidence(
        modality: .tactile, confidence: config.unexpectedContactConfidence, reason: .unexpectedContact,
        detail: unexpected)
    } else if !holding {
      confidence = ModalityConfidence(
        modality: .tactile, confidence: 0, reason: .noContact,
        detail: total > 0.05
          ? "light or one-sided touch (\(Self.newtons(total))), no nut held" : "fingertips touch nothing")
    } else {
      let detail =
        slipping
        ? "holding \(Self.newtons(total)), slipping at \(Int(speed.rounded())) mm/s"
        : "holding \(Self.newtons(total))" + (seated ? ", seated" : ", off centre by (\(Self.mm(x)), \(Self.mm(y))) mm")
      confidence = ModalityConfidence(modality: .tactile, confidence: 1, reason: .none, detail: detail)
    }
    return TactileEstimate(
      grasp: GraspState(
        holding: holding, seated: seated, slipping: slipping, contactCentroidXMm: x, contactCentroidYMm: y,
        normalForceN: total),
      fingerA: a, fingerB: b, nutOffsetInGripperMm: SIMD3(0, x, -y), centroidSpeedMmPerS: speed,
      unexpectedContact: unexpected != nil, splinePhaseDeg: nil, confidence: confidence)
  }

  static func newtons(_ x: Double) -> String { "\(Double(Int((x * 10).rounded())) / 10) N" }
  static func mm(_ x: Double) -> String { "\(Double(Int((x * 100).rounded())) / 100)" }
}
