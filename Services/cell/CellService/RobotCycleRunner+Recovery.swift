import Foundation
import SwiftProtobuf
import WorkcellProto
import WorkcellRuntime

/// What the runner does after a failed cycle, with chunks it builds itself (no policy): open the
/// hand and home the arm, so the next cycle starts from the home posture with an empty hand.
extension RobotCycleRunner {
  /// After a failed cycle: open the fingers where the arm is (the nut goes to the reject chute),
  /// home the arm, and open again at home if the fingers are still closed — control may refuse
  /// the first chunk (balance margin below its floor with the arm out), and a nut left in the hand
  /// keeps the feeder from presenting the next one (every later cycle would end vision_lost).
  func clearHand(_ sequence: inout UInt64) async {
    await openHand(&sequence)
    // Options give every robot a control (CellOptions refuses a robot without one).
    do {
      _ = try await peers.controls[robot.id]?.home(
        .with { $0.robot = equipment }, options: .timeout(seconds: clock.wallTimeout(seconds: 20)))
    } catch {
      logger.warning("homing after a failed cycle failed", metadata: ["robot": "\(robot.id)", "error": "\(error)"])
    }
    if let state = await feed.current(), Self.fingersOpen(state) == false {
      logger.info("fingers still closed after homing; opening them at home", metadata: ["robot": "\(robot.id)"])
      await openHand(&sequence)
    }
  }

  /// Whether the working gripper is open (within 5 mm of the open width); nil when control's
  /// state has no such gripper.
  static func fingersOpen(_ state: Workcell_Control_V1_RobotState) -> Bool? {
    state.grippers.first { $0.name == gripperName }.map { $0.widthM >= openWidthM - 0.005 }
  }

  /// Holds the arm where it is with the working gripper open for 0.6 s of cell time.
  func openHand(_ sequence: inout UInt64) async {
    guard let state = await feed.current(), controlProblem(state) == nil else { return }
    let joints = Self.armJoints(state)
    guard joints.count == 7 else { return }
    let now = state.hasMeasuredAt ? state.measuredAt.date : clock.now()
    sequence += 1
    feed.send(
      .with {
        $0.robot = equipment
        $0.modelVersion = "cell-clear-hand"
        $0.observedAt = Google_Protobuf_Timestamp(date: now)
        $0.expiresAt = Google_Protobuf_Timestamp(date: now.addingTimeInterval(0.6))
        $0.stepPeriodMs = 20
        $0.chunkID = UUID().uuidString.lowercased()
        $0.sequence = sequence
        $0.jointNames = Self.armJointNames
        $0.gripperNames = [Self.gripperName]
        $0.steps = (0..<30).map { _ in
          .with {
            $0.jointPositionsRad = joints
            $0.gripperWidthsM = [Self.openWidthM]
            $0.gripForcesN = [20]
          }
        }
        $0.phase = .releaseRetreat
      })
    try? await clock.sleep(seconds: 0.6)
  }
}
