import Foundation
import MotionPlanning
import PolicyRuntime
import SwiftProtobuf
import WholeBodyControl
import WorkcellProto
import WorkcellRuntime

/// Proto observation → `PolicyObservation`, `PolicyChunk` → proto chunk.
enum PolicyProtoMapping {
  /// The policy's input from a proto observation, for `architecture`'s joints and gripper.
  ///
  /// - Joints are picked by the model's names (a missing one is INVALID_ARGUMENT naming it).
  /// - Gripper width: the only value, or with two values (the robot's order, left then right) the
  ///   one of the model's gripper side.
  /// - The nut's pose: in the "torso" or "robot" frame as given; in "world" (perception's frame
  ///   with cell-sim's cameras, also when unnamed) moved by the robot's base from `layout`.
  /// - TCP: forward kinematics of the measured arm joints plus the arm's base; pin seat: from
  ///   `layout`. The torso's sway is not observed: it is estimated from both arms' joints (when
  ///   the observation carries them) as the balance regulation settles it, and the robot-frame
  ///   nut and pin are moved by it into the torso frame.
  static func observation(
    _ proto: Workcell_Policy_V1_Observation, architecture: PolicyArchitecture, layout: CellLayout, now: Date
  ) throws(WorkcellError) -> PolicyObservation {
    var byName: [String: Double] = [:]
    var velocityByName: [String: Double] = [:]
    for joint in proto.joints {
      byName[joint.name] = joint.positionRad
      velocityByName[joint.name] = joint.velocityRadPerS
    }
    var joints: [Double] = []
    for name in architecture.jointNames {
      guard let value = byName[name] else {
        throw WorkcellError(
          .invalidArgument,
          "Observation lacks joint '\(name)' (model \(architecture.version) reads \(architecture.jointNames.joined(separator: ", ")))."
        )
      }
      guard value.isFinite else { throw WorkcellError(.invalidArgument, "Joint '\(name)' position is not finite.") }
      joints.append(value)
    }
    let widths = proto.gripperWidthsM
    let gripperName = architecture.gripperNames.first ?? ""
    let width: Double
    switch widths.count {
    case 1: width = widths[0]
    case 2: width = gripperName.hasPrefix("left") ? widths[0] : widths[1]
    default:
      throw WorkcellError(
        .invalidArgument,
        "gripper_widths_m needs the width of '\(gripperName)': one value, or two (left, right); got \(widths.count).")
    }
    guard width.isFinite else { throw WorkcellError(.invalidArgument, "Gripper width is not finite.") }
    guard proto.hasEstimate, proto.estimate.hasNutPose else {
      throw WorkcellError(.invalidArgument, "Observation needs perception's estimate with the nut pose.")
    }
    let pose = proto.estimate.nutPose
    var nut = SIMD3(pose.positionM.x, pose.positionM.y, pose.positionM.z)
    switch pose.frame {
    case "torso", "robot": break
    case "world", "":
      let robot = proto.robot.robot
      guard let base = layout.robotBaseInWorldM[robot] else {
        throw WorkcellError(
          .invalidArgument,
          "Nut pose is in the world frame but robot '\(robot)' has no base in the cell layout "
            + "(--robot-base; known: \(layout.robotBaseInWorldM.keys.sorted().joined(separator: ", "))).")
      }
      nut -= base
    default:
      throw WorkcellError(
        .invalidArgument, "Nut pose frame '\(pose.frame)' is not one the policy reads (torso, robot or world).")
    }
    guard nut.x.isFinite, nut.y.isFinite, nut.z.isFinite else {
      throw WorkcellError(.invalidArgument, "Nut position is not finite.")
    }
    // The torso sways as the arms move (the balance regulation moves it against their CoM
    // shift): the robot frame's nut and pin, seen from the torso, move the other way.
    let sway = CellLayout.steadyTorsoSwayM(armJointsRad: CellLayout.armJointNames.compactMap { byName[$0] })
    if pose.frame != "torso" { nut -= sway }
    let q = pose.orientation
    let yaw = atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z))
    let tcp = layout.tcpInRobotM(armJointsRad: joints)
    return PolicyObservation(
      sequence: proto.sequence, observedAtS: seconds(proto.hasObservedAt ? proto.observedAt : timestamp(now)),
      armJointPositionsRad: joints, gripperWidthM: width, nutPositionInTorsoM: nut, tcpPositionInTorsoM: tcp,
      pinSeatInTorsoM: layout.pinSeatInRobotM - sway, nutYawRad: yaw.isFinite ? yaw : 0,
      splinePhaseDeg: proto.estimate.splinePhaseDeg.isFinite ? proto.estimate.splinePhaseDeg : 0,
      holding: proto.estimate.grasp.holding, seated: proto.estimate.grasp.seated,
      cycleStep: PolicyCycleStep(rawValue: proto.phase.rawValue) ?? .unspecified,
      armJointVelocitiesRadPerS: architecture.jointNames.map { velocityByName[$0] ?? 0 }.map { $0.isFinite ? $0 : 0 })
  }

  /// The proto chunk: observed_at echoes the observation's timestamp exactly; expires_at is
  /// observed_at + steps × period.
  static func chunk(
    _ chunk: PolicyChunk, observation: Workcell_Policy_V1_Observation, observedAt: Google_Protobuf_Timestamp
  ) -> Workcell_Policy_V1_ActionChunk {
    .with {
      $0.robot = observation.robot
      $0.modelVersion = chunk.modelVersion
      $0.observedAt = observedAt
      let spanNs = Int64(chunk.steps.count) * Int64(chunk.stepPeriodMs) * 1_000_000
      let totalNs = Int64(observedAt.nanos) + spanNs
      $0.expiresAt = .with {
        $0.seconds = observedAt.seconds + totalNs / 1_000_000_000
        $0.nanos = Int32(totalNs % 1_000_000_000)
      }
      $0.stepPeriodMs = UInt32(clamping: chunk.stepPeriodMs)
      $0.chunkID = UUID().uuidString.lowercased()
      $0.sequence = chunk.sequence
      $0.jointNames = chunk.jointNames
      $0.gripperNames = chunk.gripperNames
      $0.steps = chunk.steps.map { step in
        .with {
          $0.jointPositionsRad = step.jointPositionsRad
          $0.gripperWidthsM = step.gripperWidthsM
          $0.gripForcesN = step.gripForcesN
        }
      }
      $0.phase = Workcell_Common_V1_CycleStep(rawValue: chunk.cycleStep.rawValue) ?? .unspecified
      $0.cycleID = observation.cycleID
    }
  }

  /// Model info for ListModels and LoadModel.
  static func info(_ model: LoadedModel, active: Bool) -> Workcell_Policy_V1_ModelInfo {
    .with {
      $0.version = model.version
      $0.path = model.path
      $0.sha256 = model.sha256
      $0.parameterCount = UInt64(model.model.parameterCount)
      $0.chunkSteps = UInt32(clamping: model.model.architecture.chunkSteps)
      $0.stepPeriodMs = UInt32(clamping: model.model.architecture.stepPeriodMs)
      $0.loadedAt = timestamp(model.loadedAt)
      $0.active = active
    }
  }

  /// The built-in scripted planner's entry in ListModels: no file, no parameters.
  static func info(planner: ScriptedChunkPlanner, loadedAt: Date, active: Bool) -> Workcell_Policy_V1_ModelInfo {
    .with {
      $0.version = ScriptedChunkPlanner.version
      $0.path = "builtin:scripted-planner"
      $0.chunkSteps = UInt32(clamping: planner.chunkSteps)
      $0.stepPeriodMs = UInt32(clamping: planner.stepPeriodMs)
      $0.loadedAt = timestamp(loadedAt)
      $0.active = active
    }
  }

  static func seconds(_ t: Google_Protobuf_Timestamp) -> Double { Double(t.seconds) + Double(t.nanos) / 1e9 }

  static func timestamp(_ date: Date) -> Google_Protobuf_Timestamp { Google_Protobuf_Timestamp(date: date) }
}
