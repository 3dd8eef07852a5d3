import Foundation
import SwiftProtobuf
import GRPCCore
import Logging
import NutPerception
import WorkcellProto
import WorkcellRuntime

/// `workcell.perception.v1.Perception`: Estimate (one estimate for a cycle step, waiting for a
/// fresh enough frame), WatchEstimates (every new estimate of a robot) and Refine (one stateless
/// tactile correction step).
struct PerceptionRPC: Workcell_Perception_V1_Perception.SimpleServiceProtocol {
  let config: PerceptionConfig
  let estimator: RobotEstimator
  let frames: SensorFrames
  let metrics: PerceptionMetrics
  let logger: Logger

  func estimate(
    request: Workcell_Perception_V1_EstimateRequest, context: ServerContext
  ) async throws -> Workcell_Perception_V1_EstimateResponse {
    let robot = try robotSensors(request.robot)
    guard let focus = PhaseFocus.of(request.phase) else {
      throw WorkcellError(
        .invalidArgument,
        "Estimate needs the cycle step it serves (phase): PERCEIVE_PART (feeder camera), GRASP_CHECK (touch), "
          + "ALIGN or INSERT (fixture camera), …; got \(request.phase).")
    }
    let capturedAfter = try request.hasCapturedAfter ? date(request.capturedAfter, "captured_after") : nil
    let fused = try await estimator.waitAndFuse(robot: robot, focus: focus, capturedAfter: capturedAfter)
    metrics.estimates(
      rpc: "estimate", phase: PerceptionProtoMapping.label(request.phase),
      trusted: PerceptionProtoMapping.label(fused.estimate.trustedModality)
    ).increment()
    log(fused, robot: robot.robot, rpc: "Estimate", phase: request.phase)
    return .with {
      $0.estimate = PerceptionProtoMapping.estimate(
        fused.estimate, robot: request.robot, phase: request.phase, capturedAt: fused.capturedAt)
      if request.includeCameraImages {
        $0.cameraImages = [("feeder", robot.feederCamera), ("fixture", robot.fixtureCamera)].compactMap { role, camera in
          frames.newestCameraFrame(camera).map { PerceptionProtoMapping.cameraImage($0, role: role) }
        }
      }
    }
  }

  func watchEstimates(
    request: Workcell_Perception_V1_WatchEstimatesRequest,
    response: RPCWriter<Workcell_Perception_V1_WatchEstimatesResponse>, context: ServerContext
  ) async throws {
    let robot = try robotSensors(request.robot)
    guard request.maxRateHz >= 0, request.maxRateHz.isFinite else {
      throw WorkcellError(.invalidArgument, "max_rate_hz must be ≥ 0 (0 = every estimate), got \(request.maxRateHz).")
    }
    let minInterval: Duration = request.maxRateHz > 0 ? .nanoseconds(Int64(1e9 / request.maxRateHz)) : .zero
    let streams = [
      SensorSubscriptions.Stream.camera(robot.feederCamera).name,
      SensorSubscriptions.Stream.camera(robot.fixtureCamera).name,
      SensorSubscriptions.Stream.tactile(robot: robot.robot, gripper: robot.gripper).name,
    ]
    let counter = metrics.estimates(rpc: "watch_estimates", phase: "unspecified", trusted: "none")
    var lastKey: [UInt64?] = [nil, nil, nil]
    var lastSent: ContinuousClock.Instant?
    while true {
      try Task.checkCancellation()
      let links = streams.map(frames.link)
      if links.allSatisfy(\.isUnavailable) {
        throw WorkcellError(
          .unavailable,
          "No sensor frames for robot '\(robot.robot)' from \(config.source): \(links[0].lastError ?? "not connected"). "
            + "Start cell-sim (or the sensor gateway), Reset its world, or point --sensors at it.")
      }
      let key = [
        frames.cameraSerial(robot.feederCamera), frames.cameraSerial(robot.fixtureCamera),
        frames.tactileSerial(robot.robot),
      ]
      let due = lastSent.map { ContinuousClock.now - $0 >= minInterval } ?? true
      if key != lastKey, key.contains(where: { $0 != nil }), due {
        let fused = estimator.fuse(robot: robot, focus: .automatic)
        lastKey = key
        lastSent = .now
        let trusted = PerceptionProtoMapping.label(fused.estimate.trustedModality)
        (trusted == "none"
          ? counter : metrics.estimates(rpc: "watch_estimates", phase: "unspecified", trusted: trusted))
          .increment()
        try await response.write(
          .with {
            $0.estimate = PerceptionProtoMapping.estimate(
              fused.estimate, robot: request.robot, phase: .unspecified, capturedAt: fused.capturedAt)
          })
        continue
      }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  func refine(
    request: Workcell_Perception_V1_RefineRequest, context: ServerContext
  ) async throws -> Workcell_Perception_V1_RefineResponse {
    let robot = try robotSensors(request.robot)
    let p = request.goalNutInGripper.positionM
    guard [p.x, p.y, p.z, request.goalSplinePhaseDeg].allSatisfy(\.isFinite) else {
      throw WorkcellError(.invalidArgument, "goal_nut_in_gripper and goal_spline_phase_deg must be finite.")
    }
    guard request.toleranceMm >= 0, request.toleranceMm.isFinite, request.toleranceDeg >= 0,
      request.toleranceDeg.isFinite
    else {
      throw WorkcellError(
        .invalidArgument,
        "tolerance_mm and tolerance_deg must be ≥ 0 (0 = the service default 0.2 mm, 1°); got "
          + "\(request.toleranceMm) mm, \(request.toleranceDeg)°.")
    }
    let defaults = RefinementGoal()
    let goal = RefinementGoal(
      nutInGripperMm: SIMD3(p.x, p.y, p.z) * 1000, splinePhaseDeg: request.goalSplinePhaseDeg,
      toleranceMm: request.toleranceMm > 0 ? request.toleranceMm : defaults.toleranceMm,
      toleranceDeg: request.toleranceDeg > 0 ? request.toleranceDeg : defaults.toleranceDeg)

    var fused = try await estimator.waitAndFuse(robot: robot, focus: .touch, capturedAfter: nil)
    let touch = fused.estimate.confidences.first { $0.modality == .tactile }
    guard let tactile = fused.tactile else {
      throw WorkcellError(
        .failedPrecondition,
        "Refine needs a fresh tactile frame of robot '\(robot.robot)': \(touch?.detail ?? "none").")
    }
    guard tactile.grasp.holding else {
      throw WorkcellError(
        .failedPrecondition,
        "Refine needs a nut between the fingers of robot '\(robot.robot)': \(tactile.confidence.detail).")
    }
    // Touch cannot feel the spline: the phase comes from a camera that sees the nut, if any does.
    let phase = estimator.visionPhase(robot)
    if let phase {
      fused.estimate.splinePhaseDeg = phase
      fused.estimate.phaseModality = .vision
    }
    let step: RefinementStep
    do {
      step = try TactileRefinement(geometry: config.geometry).step(
        nutInGripperMm: tactile.nutOffsetInGripperMm, splinePhaseDeg: phase, goal: goal)
    } catch {
      throw WorkcellError(.invalidArgument, "Refine: \(error.message).")
    }
    metrics.estimates(
      rpc: "refine", phase: "grasp_check", trusted: PerceptionProtoMapping.label(fused.estimate.trustedModality)
    ).increment()
    var logger = self.logger
    logger[metadataKey: "robot"] = "\(robot.robot)"
    logger.debug(
      "refine step",
      metadata: [
        "iteration": "\(request.iteration)", "error_mm": "\(step.errorMm)", "error_deg": "\(step.errorDeg)",
        "converged": "\(step.converged)", "phase_known": "\(phase != nil)",
      ])
    return .with {
      $0.deltaPose = PerceptionProtoMapping.pose(
        positionM: step.deltaPositionMm / 1000, yawDeg: step.deltaYawDeg, frame: robot.gripper)
      $0.residualMm = step.residualMm
      $0.residualDeg = step.residualDeg
      $0.converged = step.converged
      $0.iteration = request.iteration
      $0.estimate = PerceptionProtoMapping.estimate(
        fused.estimate, robot: request.robot, phase: .graspCheck, capturedAt: fused.capturedAt)
    }
  }

  /// The robot a request names, or INVALID_ARGUMENT / NOT_FOUND.
  private func robotSensors(_ ref: Workcell_Common_V1_EquipmentRef) throws -> RobotSensors {
    guard !ref.robot.isEmpty else {
      throw WorkcellError(
        .invalidArgument,
        "robot.robot is required: one of \(config.robots.map(\.robot).joined(separator: ", ")).")
    }
    guard let robot = config.robot(ref.robot) else {
      throw WorkcellError(
        .notFound,
        "Robot '\(ref.robot)' is not served by this perception; it serves "
          + "\(config.robots.map(\.robot).joined(separator: ", ")) (see --robot).")
    }
    return robot
  }

  private func date(_ timestamp: SwiftProtobufTimestamp, _ field: String) throws -> Date {
    guard timestamp.nanos >= 0, timestamp.nanos < 1_000_000_000 else {
      throw WorkcellError(.invalidArgument, "\(field) has nanos \(timestamp.nanos); they must be in [0, 1e9).")
    }
    return timestamp.date
  }

  private func log(
    _ fused: RobotEstimator.Fused, robot: String, rpc: String, phase: Workcell_Common_V1_CycleStep
  ) {
    var logger = self.logger
    logger[metadataKey: "robot"] = "\(robot)"
    logger.debug(
      "estimate served",
      metadata: [
        "rpc": "\(rpc)", "phase": "\(PerceptionProtoMapping.label(phase))",
        "trusted": "\(PerceptionProtoMapping.label(fused.estimate.trustedModality))",
        "confidences": "\(fused.estimate.confidences.map { "\($0.modality)=\($0.confidence)" }.joined(separator: ","))",
        "rationale": "\(fused.estimate.rationale)",
      ])
  }
}

typealias SwiftProtobufTimestamp = Google_Protobuf_Timestamp
