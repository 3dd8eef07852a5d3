import Foundation
import SimulatedTime
import NutPerception
import WorkcellRuntime

/// Builds one robot's fused estimate from the newest frames: vision on the camera the step
/// focuses on, touch on the gripper's fingertips, no joint torques (the sensor streams carry
/// none), each modality STALE_DATA when its newest frame is older than the freshness limit.
/// Every frame is processed once (the result is cached with the frame).
struct RobotEstimator: Sendable {
  /// A fused estimate and what went into it.
  struct Fused: Sendable {
    var estimate: StateEstimate
    /// Capture time of the newest fresh frame used (nil when none was).
    var capturedAt: Date?
    /// Touch's estimate, when its sample was fresh.
    var tactile: TactileEstimate?
  }

  let config: PerceptionConfig
  let frames: SensorFrames
  let metrics: PerceptionMetrics
  let vision: NutVision
  let touch: TactileGraspSensor
  let fusion: PerceptionFusion

  init(config: PerceptionConfig, frames: SensorFrames, metrics: PerceptionMetrics) {
    self.config = config
    self.frames = frames
    self.metrics = metrics
    vision = NutVision(geometry: config.geometry)
    touch = TactileGraspSensor(offsetNet: config.tactileNet)
    fusion = PerceptionFusion(geometry: config.geometry)
  }

  /// Why joint torques are missing, for the JOINT_TORQUE confidence.
  static let noJointTorque = ModalityConfidence(
    modality: .jointTorque, confidence: 0, reason: .sensorFault,
    detail: "no joint torque source: the sensor streams carry none (torques travel only on the joint bus)")

  // MARK: Waiting

  /// Waits until the focus's sensor has a frame captured at or after `capturedAfter` (any frame
  /// when nil), within `maxWait` and the caller's deadline (cancellation), then fuses. Throws
  /// UNAVAILABLE when that sensor's stream is down and no fresh frame can serve, and
  /// DEADLINE_EXCEEDED when the frame does not come in time.
  func waitAndFuse(robot: RobotSensors, focus: PhaseFocus, capturedAfter: Date?) async throws -> Fused {
    let (stream, what) = primary(robot, focus)
    let started = frames.clock.elapsed
    while true {
      try Task.checkCancellation()
      let newest = peek(robot, focus)
      let fresh = newest.map { frames.clock.elapsed - $0.receivedAt <= config.maxFrameAge } ?? false
      if let newest, capturedAfter.map({ newest.capturedAt >= $0 }) ?? true {
        let link = frames.link(stream)
        if fresh || !link.isUnavailable { return fuse(robot: robot, focus: focus) }
      }
      let link = frames.link(stream)
      if link.isUnavailable {
        throw WorkcellError(
          .unavailable,
          "No \(what) frames from the sensor source at \(config.source) for robot '\(robot.robot)': "
            + "\(link.lastError ?? "not connected"). Start cell-sim (or the sensor gateway), Reset its world, "
            + "or point --sensors at it.")
      }
      if frames.clock.elapsed - started > config.maxWait {
        let newestText =
          newest.map { "the newest was captured at \(Self.iso($0.capturedAt))" } ?? "none has arrived yet"
        throw WorkcellError(
          .deadlineExceeded,
          "No \(what) frame for robot '\(robot.robot)' captured at or after "
            + "\(capturedAfter.map(Self.iso) ?? "any time") within \(ReconnectBackoff.seconds(config.maxWait)) s; "
            + "\(newestText). Is the source running (not paused) and its clock the one captured_after uses?")
      }
      try await frames.clock.sleep(seconds: 0.005)
    }
  }

  /// The stream an estimate for `focus` waits on, and its name for messages.
  func primary(_ robot: RobotSensors, _ focus: PhaseFocus) -> (stream: String, what: String) {
    switch focus {
    case .feederCamera: (SensorSubscriptions.Stream.camera(robot.feederCamera).name, "camera '\(robot.feederCamera)'")
    case .fixtureCamera, .automatic:
      (SensorSubscriptions.Stream.camera(robot.fixtureCamera).name, "camera '\(robot.fixtureCamera)'")
    case .touch:
      (
        SensorSubscriptions.Stream.tactile(robot: robot.robot, gripper: robot.gripper).name,
        "tactile '\(robot.gripper)'"
      )
    }
  }

  private func peek(_ robot: RobotSensors, _ focus: PhaseFocus) -> (
    capturedAt: Date, receivedAt: Duration
  )? {
    switch focus {
    case .feederCamera: frames.peekCamera(robot.feederCamera)
    case .fixtureCamera, .automatic: frames.peekCamera(robot.fixtureCamera)
    case .touch: frames.peekTactile(robot.robot)
    }
  }

  // MARK: Fusing

  /// One fused estimate from the frames there are now (no waiting).
  func fuse(robot: RobotSensors, focus: PhaseFocus) -> Fused {
    var inputs = FusionInputs(frameName: "world")
    var overrides: [ModalityConfidence] = [Self.noJointTorque]
    var used: [Date] = []

    switch focus {
    case .feederCamera, .fixtureCamera:
      let camera = focus == .feederCamera ? robot.feederCamera : robot.fixtureCamera
      switch visionOf(camera: camera) {
      case .fresh(let frame, let estimate):
        inputs.vision = estimate
        inputs.frameName = frame.model.frameName
        used.append(frame.capturedAt)
      case .unusable(let confidence): overrides.append(confidence)
      }
    case .automatic:
      if let (frame, estimate) = bestVision(robot) {
        inputs.vision = estimate
        inputs.frameName = frame.model.frameName
        used.append(frame.capturedAt)
      } else if case .unusable(let confidence) = visionOf(camera: robot.fixtureCamera) {
        overrides.append(confidence)
      }
    case .touch:
      overrides.append(
        ModalityConfidence(
          modality: .vision, confidence: 0, reason: .outOfView,
          detail: "the step reads touch: no fixed camera watches the nut in the hand"))
      // Touch places the nut in the gripper's own frame (no kinematics here to go further).
      inputs.gripperToFrame = .identity
      inputs.frameName = robot.gripper
    }

    var tactile: TactileEstimate?
    switch tactileOf(robot) {
    case .fresh(let sample, let estimate):
      inputs.tactile = estimate
      tactile = estimate
      used.append(sample.capturedAt)
    case .unusable(let confidence): overrides.append(confidence)
    }

    var estimate = fusion.fuse(inputs)
    for override in overrides {
      if let index = estimate.confidences.firstIndex(where: { $0.modality == override.modality }) {
        estimate.confidences[index] = override
      }
    }
    return Fused(estimate: estimate, capturedAt: used.max(), tactile: tactile)
  }

  /// Spline phase from whichever camera shows the nut best now, if one does confidently.
  func visionPhase(_ robot: RobotSensors) -> Double? {
    guard let (_, estimate) = bestVision(robot), let phase = estimate.splinePhaseDeg,
      estimate.splinePhaseConfidence >= fusion.minPhaseConfidence
    else { return nil }
    return phase
  }

  private func bestVision(_ robot: RobotSensors) -> (SensorFrames.CameraFrame, VisionEstimate)? {
    var best: (SensorFrames.CameraFrame, VisionEstimate)?
    for camera in [robot.feederCamera, robot.fixtureCamera] {
      guard case .fresh(let frame, let estimate) = visionOf(camera: camera), estimate.found else { continue }
      if best.map({ estimate.confidence.confidence > $0.1.confidence.confidence }) ?? true { best = (frame, estimate) }
    }
    return best
  }

  private enum Reading<Frame: Sendable, Estimate: Sendable>: Sendable {
    case fresh(Frame, Estimate)
    case unusable(ModalityConfidence)
  }

  private func visionOf(camera: String) -> Reading<SensorFrames.CameraFrame, VisionEstimate> {
    guard let (frame, cached) = frames.camera(camera) else {
      return .unusable(
        missing(.vision, stream: SensorSubscriptions.Stream.camera(camera).name, what: "camera '\(camera)'"))
    }
    let age = frames.clock.elapsed - frame.receivedAt
    if age > config.maxFrameAge {
      metrics.stale(modality: "vision").increment()
      return .unusable(stale(.vision, what: "camera '\(camera)'", age: age))
    }
    if let cached { return .fresh(frame, cached) }
    let started = ContinuousClock.now
    let estimate: VisionEstimate
    do {
      estimate = try vision.estimate(
        frame.image, camera: frame.model, depth: .fromNutSize, referenceYawDeg: config.pinYawDeg)
    } catch {
      return .unusable(
        ModalityConfidence(
          modality: .vision, confidence: 0, reason: .sensorFault, detail: "camera '\(camera)': \(error.message)"))
    }
    metrics.processing(modality: "vision").record(ContinuousClock.now - started)
    frames.cacheVision(camera: camera, serial: frame.serial, estimate)
    return .fresh(frame, estimate)
  }

  private func tactileOf(_ robot: RobotSensors) -> Reading<SensorFrames.TactileSample, TactileEstimate> {
    let stream = SensorSubscriptions.Stream.tactile(robot: robot.robot, gripper: robot.gripper).name
    guard let reading = frames.tactile(robot.robot) else {
      return .unusable(missing(.tactile, stream: stream, what: "tactile '\(robot.gripper)'"))
    }
    let age = frames.clock.elapsed - reading.newest.receivedAt
    if age > config.maxFrameAge {
      metrics.stale(modality: "tactile").increment()
      return .unusable(stale(.tactile, what: "tactile '\(robot.gripper)'", age: age))
    }
    if let cached = reading.newestEstimate { return .fresh(reading.newest, cached) }
    let started = ContinuousClock.now
    do {
      // Slip is a speed between consecutive samples: measure the previous one too if needed.
      var previous = reading.previousEstimate
      let intervalS = reading.previous.map { reading.newest.capturedAt.timeIntervalSince($0.capturedAt) } ?? 0
      if previous == nil, let sample = reading.previous, intervalS > 0 {
        let estimate = try touch.estimate(fingerA: sample.fingerA, fingerB: sample.fingerB)
        frames.cacheTactile(robot: robot.robot, serial: sample.serial, estimate)
        previous = estimate
      }
      let estimate = try touch.estimate(
        fingerA: reading.newest.fingerA, fingerB: reading.newest.fingerB, previous: intervalS > 0 ? previous : nil,
        intervalS: intervalS > 0 ? intervalS : 0.01)
      metrics.processing(modality: "tactile").record(ContinuousClock.now - started)
      frames.cacheTactile(robot: robot.robot, serial: reading.newest.serial, estimate)
      return .fresh(reading.newest, estimate)
    } catch {
      return .unusable(
        ModalityConfidence(
          modality: .tactile, confidence: 0, reason: .sensorFault,
          detail: "tactile '\(robot.gripper)': \(error.message)"))
    }
  }

  private func missing(_ modality: Modality, stream: String, what: String) -> ModalityConfidence {
    let link = frames.link(stream)
    let why = link.isUnavailable ? ": \(link.lastError ?? "not connected")" : " yet"
    return ModalityConfidence(
      modality: modality, confidence: 0, reason: .sensorFault, detail: "no frame from \(what)\(why)")
  }

  private func stale(_ modality: Modality, what: String, age: Duration) -> ModalityConfidence {
    ModalityConfidence(
      modality: modality, confidence: 0, reason: .staleData,
      detail:
        "newest \(what) frame arrived \(Int(ReconnectBackoff.seconds(age) * 1000)) ms ago "
        + "(limit \(Int(ReconnectBackoff.seconds(config.maxFrameAge) * 1000)) ms)")
  }

  static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
