#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Fuses vision, touch and joint torques into one ``StateEstimate``: the nut pose from vision
/// while the nut is free, from touch (placed by the gripper's kinematics) once it is held;
/// the spline phase from vision always (the pads cannot feel the spline); a degraded modality
/// hands over to the other, and when neither can be trusted nothing is (`.unspecified`).
public struct PerceptionFusion: Sendable, Hashable {
  /// Least confidence for a modality to be trusted with the pose.
  public var minTrust: Double
  /// Least vision phase confidence for the spline phase to be reported.
  public var minPhaseConfidence: Double
  /// The nut, for wrapping the phase.
  public var geometry: NutGeometry

  /// A fusion with its thresholds.
  public init(minTrust: Double = 0.5, minPhaseConfidence: Double = 0.3, geometry: NutGeometry = .defaults) {
    self.minTrust = minTrust
    self.minPhaseConfidence = minPhaseConfidence
    self.geometry = geometry
  }

  /// One fused estimate from the inputs.
  public func fuse(_ inputs: FusionInputs) -> StateEstimate {
    let visionConfidence =
      inputs.vision?.confidence
      ?? ModalityConfidence(modality: .vision, confidence: 0, reason: .sensorFault, detail: "no camera frame")
    let tactileConfidence =
      inputs.tactile?.confidence
      ?? ModalityConfidence(modality: .tactile, confidence: 0, reason: .sensorFault, detail: "no tactile frame")
    let wrenchConfidence =
      inputs.wrench?.confidence
      ?? ModalityConfidence(modality: .jointTorque, confidence: 0, reason: .sensorFault, detail: "no joint torques")
    let grasp = inputs.tactile?.grasp ?? .empty
    let vision = inputs.vision.flatMap { $0.found ? $0 : nil }
    let visionTrusted = vision != nil && visionConfidence.confidence >= minTrust
    let touchTrusted =
      grasp.holding && tactileConfidence.confidence >= minTrust && inputs.gripperToFrame != nil

    var phase: Double?
    var phaseModality = Modality.unspecified
    if let vision, let p = vision.splinePhaseDeg, vision.splinePhaseConfidence >= minPhaseConfidence {
      phase = p
      phaseModality = .vision
    }

    var pose: NutPose?
    var trusted = Modality.unspecified
    var why: String
    if touchTrusted, let tactile = inputs.tactile, let gripper = inputs.gripperToFrame {
      let position = gripper.apply(tactile.nutOffsetInGripperMm / 1000)
      let yaw: Double
      let yawSource: String
      if let vision, let v = vision.pose, phaseModality == .vision {
        yaw = v.yawDeg
        yawSource = "yaw from vision"
      } else {
        let x = gripper.xAxis
        yaw = geometry.wrapPhaseDeg(atan2(x.y, x.x) * 180 / .pi)
        yawSource = "yaw from the gripper (touch cannot feel the spline)"
      }
      pose = NutPose(positionM: position, yawDeg: yaw, frameName: inputs.frameName)
      trusted = .tactile
      why = "nut held: touch places it in the fingers (\(tactileConfidence.detail)); \(yawSource)"
    } else if visionTrusted, let vision {
      pose = vision.pose
      trusted = .vision
      why =
        grasp.holding
        ? "nut held but touch not trusted (\(tactileConfidence.detail)): vision (\(visionConfidence.detail))"
        : "nut free: vision (\(visionConfidence.detail))"
    } else {
      pose = vision?.pose
      why =
        "nothing trusted: vision \(Int((visionConfidence.confidence * 100).rounded()))% (\(visionConfidence.detail)), "
        + "touch \(Int((tactileConfidence.confidence * 100).rounded()))% (\(tactileConfidence.detail))"
    }
    if phaseModality == .unspecified {
      why += "; spline phase unknown (vision: \(visionConfidence.detail))"
    }
    return StateEstimate(
      nutPose: pose, splinePhaseDeg: phase, grasp: grasp, contactWrench: inputs.wrench,
      confidences: [visionConfidence, tactileConfidence, wrenchConfidence], trustedModality: trusted,
      phaseModality: phaseModality, rationale: why)
  }
}
