import CycleSequencing
import WholeBodyControl
import WorkcellProto
import YieldKPI

/// What control's and perception's answers mean to the runner: pure readings, no calls.
extension RobotCycleRunner {
  /// Vision's confidence from which the cell trusts a camera's nut pose and spline phase (the
  /// look at the presented nut, the check over the pin, the nut the policy is shown, the phase
  /// carried between looks).
  static let visionTrustedConfidence = 0.5

  /// The confidence perception gives `modality` in `estimate` (0 when it gives none).
  static func confidence(
    _ estimate: Workcell_Perception_V1_StateEstimate, _ modality: Workcell_Perception_V1_Modality
  ) -> Double {
    estimate.confidences.first { $0.modality == modality }?.confidence ?? 0
  }

  /// Vision is confident enough in `estimate` to act on its pose and phase.
  static func visionTrusted(_ estimate: Workcell_Perception_V1_StateEstimate) -> Bool {
    confidence(estimate, .vision) >= visionTrustedConfidence
  }

  /// The nut's pose is in a gripper's frame (touch placed it in the hand).
  static func inGripperFrame(_ estimate: Workcell_Perception_V1_StateEstimate) -> Bool {
    PoseFrame(name: estimate.nutPose.frame) == .gripper
  }

  /// Control's state missing as a step event: control not answering at all is an outage (the
  /// cycle is aborted, never nok); an answer refusing the call is the cycle's control fault.
  func controlLost() -> StepEvent {
    feed.unreachable ? .serviceUnavailable(.controlFault) : .failed(.controlFault)
  }

  /// Control's mode as a step event when it cannot track.
  func controlProblem(_ state: Workcell_Control_V1_RobotState) -> StepEvent? {
    switch state.mode {
    case .holding, .tracking: return nil
    case .stopping, .stopped: return state.safety.estopOk ? .failed(.controlFault) : .safetyStop
    default: return .failed(.controlFault)
    }
  }

  /// The grasp as the gripper alone tells it (no touch): holding when the working gripper
  /// presses with at least 5 N at an opening of at least 3 mm (closed on something, not on itself).
  static func graspFromGripper(_ state: Workcell_Control_V1_RobotState) -> Workcell_Perception_V1_GraspState {
    let gripper = state.grippers.first { $0.name == gripperName } ?? state.grippers.last
    let holding = (gripper?.forceN ?? 0) >= 5 && (gripper?.widthM ?? 0) >= 0.003
    return .with {
      $0.holding = holding
      $0.seated = holding
    }
  }

  /// Every joint's measured position in control's state, by joint name.
  static func jointPositionsRad(_ state: Workcell_Control_V1_RobotState) -> [String: Double] {
    var byName: [String: Double] = [:]
    for joint in state.joints { byName[joint.name] = joint.positionRad }
    return byName
  }

  /// The working arm's joints in `armJointNames` order (fewer when control's state lacks some).
  static func armJoints(_ byName: [String: Double]) -> [Double] {
    armJointNames.compactMap { byName[$0] }
  }

  static func armJoints(_ state: Workcell_Control_V1_RobotState) -> [Double] {
    armJoints(jointPositionsRad(state))
  }
}
