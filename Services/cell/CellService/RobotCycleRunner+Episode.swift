import CycleSequencing
import EpisodeRecording
import Foundation
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// Every cycle as training data (docs/episodes.md): its replans as frames, the record's steps and
/// outcome, and control's trace of what the arm executed.
extension RobotCycleRunner {
  /// What an episode's `observation.state` holds, in order.
  static let episodeStateNames =
    armJointNames.map { "\($0).pos" } + [
      "\(gripperName).width", "nut.x", "nut.y", "nut.z", "nut.spline_phase_deg", "grasp.holding", "grasp.seated",
      "grasp.slipping", "confidence.vision", "confidence.tactile",
    ]
  /// What an episode's `action` holds, in order: step 0 of the chunk.
  static let episodeActionNames = armJointNames.map { "\($0).target" } + ["\(gripperName).target_width"]
  static let episodeTask = "Pick a self-tapping nut from the feeder and place it on the fixture's pin, spline aligned."

  /// One replan as an episode frame: the observation the policy got (its working-arm joints,
  /// `armJointsRad`, in `armJointNames` order, as the replan read them), step 0 of its answer.
  static func episodeFrame(
    _ observation: Workcell_Policy_V1_Observation, armJointsRad: [Double], chunk: Workcell_Policy_V1_ActionChunk,
    step: CycleStep, since: Date, latencyMs: Double, touch: Bool, shadow: Workcell_Policy_V1_ShadowComparison? = nil
  ) -> Episode.Frame {
    let estimate = observation.estimate
    func confidence(_ modality: Workcell_Perception_V1_Modality) -> Double { Self.confidence(estimate, modality) }
    let p = estimate.nutPose.positionM
    let state =
      armJointsRad + [
        observation.gripperWidthsM.first ?? 0, p.x, p.y, p.z, estimate.splinePhaseDeg,
        estimate.grasp.holding ? 1 : 0, estimate.grasp.seated ? 1 : 0, estimate.grasp.slipping ? 1 : 0,
        confidence(.vision), touch ? confidence(.tactile) : 0,
      ]
    var action: [Double] = []
    if let first = chunk.steps.first {
      let targets = Dictionary(zip(chunk.jointNames, first.jointPositionsRad), uniquingKeysWith: { a, _ in a })
      action = zip(armJointNames, armJointsRad).map { targets[$0] ?? $1 } + [first.gripperWidthsM.first ?? 0]
    }
    let observedAt = observation.observedAt.date
    return Episode.Frame(
      timeS: observedAt.timeIntervalSince(since), step: step.rawValue, state: state, action: action,
      modelVersion: chunk.modelVersion, latencyMs: latencyMs, sequence: observation.sequence,
      shadowVersion: shadow?.version, shadowDivergenceRad: shadow?.divergenceRad)
  }

  /// The finished cycle as an episode: its frames and what yield's record says of it.
  func episode(_ record: Workcell_Common_V1_CycleRecord, context: CycleContext) -> Episode {
    func name(_ step: Workcell_Common_V1_CycleStep) -> String {
      let index = step.rawValue - 1
      return CycleStep.allCases.indices.contains(index) ? CycleStep.allCases[index].rawValue : "\(step)"
    }
    let outcome: String =
      switch record.outcome {
      case .ok: "ok"
      case .nok: "nok"
      default: "aborted"
      }
    return Episode(
      cycleID: record.cycleID, robot: robot.id, cell: config.cell, modelVersion: record.modelVersion,
      startedAt: context.startedAt, task: Self.episodeTask, replanHz: 1 / config.replanPeriodS,
      stateNames: Self.episodeStateNames, actionNames: Self.episodeActionNames, frames: context.frames,
      steps: record.steps.map {
        .init(
          step: name($0.step), startedS: $0.startedAt.date.timeIntervalSince(context.startedAt),
          durationMs: Int($0.durationMs), attempts: Int($0.attempts))
      },
      outcome: outcome, failureCode: record.failureCode.apiName ?? "",
      attempts: Int(record.attempts), cycleMs: Int(record.cycleMs))
  }

  /// What control executed from `startedAt` to `endedAt` (its loop's 50 Hz trace: one call per
  /// cycle), for the episode; nil when control cannot say (the episode is written without it).
  func executedTrace(from startedAt: Date, to endedAt: Date) async -> Episode.Trace? {
    guard let control = peers.controls[robot.id] else { return nil }
    let answer = try? await control.getTrace(
      .with {
        $0.robot = equipment
        $0.from = Google_Protobuf_Timestamp(date: startedAt)
        $0.to = Google_Protobuf_Timestamp(date: endedAt)
      }, options: .timeout(seconds: clock.wallTimeout(seconds: 2)))
    return answer.flatMap { Self.episodeTrace($0, since: startedAt) }
  }

  /// The working arm's joints and gripper out of control's trace (nil when it lacks them).
  static func episodeTrace(_ answer: Workcell_Control_V1_GetTraceResponse, since startedAt: Date) -> Episode.Trace? {
    let joints = armJointNames.compactMap { answer.jointNames.firstIndex(of: $0) }
    guard joints.count == armJointNames.count, let gripper = answer.gripperNames.firstIndex(of: gripperName) else { return nil }
    let samples = answer.samples.filter {
      $0.positionRad.count == answer.jointNames.count && $0.velocityRadPerS.count == answer.jointNames.count
        && $0.commandedPositionRad.count == answer.jointNames.count && $0.gripperWidthM.count == answer.gripperNames.count
        && $0.commandedGripperWidthM.count == answer.gripperNames.count
    }
    func perJoint(_ values: (Workcell_Control_V1_TraceSample) -> [Double]) -> [Float] {
      samples.flatMap { sample in joints.map { Float(values(sample)[$0]) } }
    }
    return Episode.Trace(
      periodMs: Int(answer.periodMs), jointNames: armJointNames, gripperName: gripperName,
      timeS: samples.map { Float($0.measuredAt.date.timeIntervalSince(startedAt)) },
      positionRad: perJoint(\.positionRad), velocityRadPerS: perJoint(\.velocityRadPerS),
      commandedPositionRad: perJoint(\.commandedPositionRad),
      gripperWidthM: samples.map { Float($0.gripperWidthM[gripper]) },
      commandedGripperWidthM: samples.map { Float($0.commandedGripperWidthM[gripper]) })
  }

  /// Perception's camera images as an episode keeps them.
  static func episodeImages(_ images: [Workcell_Perception_V1_CameraImage]) -> [EpisodeCameraImages.Image] {
    images.map {
      .init(role: $0.role, camera: $0.camera, widthPx: Int($0.widthPx), heightPx: Int($0.heightPx), gray8: $0.gray8)
    }
  }
}
