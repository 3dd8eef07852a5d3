import Foundation
import RobotDescription

/// Where things are in the cell, for the parts of the policy's input the proto observation does
/// not carry: each robot's base in the world frame (to bring perception's world-frame nut pose
/// into the robot frame), the working arm's base and the fixture pin's seat in the robot frame.
/// Defaults are the robot description's (``RobotDescription/reference``, the cell cell-sim
/// simulates). The torso's sway is not observed: the torso frame is taken to be the robot frame.
public struct CellLayout: Sendable, Hashable {
  /// Robot bases in the world frame by robot id, metres.
  public var robotBaseInWorldM: [String: SIMD3<Double>]
  /// The working (right) arm's base in the robot frame, metres; its frame is aligned with the robot's.
  public var armBaseInRobotM: SIMD3<Double>
  /// The fixture pin's seat in the robot frame, metres.
  public var pinSeatInRobotM: SIMD3<Double>

  public init(robotBaseInWorldM: [String: SIMD3<Double>], armBaseInRobotM: SIMD3<Double>, pinSeatInRobotM: SIMD3<Double>) {
    self.robotBaseInWorldM = robotBaseInWorldM
    self.armBaseInRobotM = armBaseInRobotM
    self.pinSeatInRobotM = pinSeatInRobotM
  }

  /// The working arm's TCP in the robot frame, by forward kinematics of its 7 joints.
  public func tcpInRobotM(armJointsRad: [Double]) -> SIMD3<Double> {
    armBaseInRobotM + ArmChain().tcpPositionM(armJointsRad)
  }

  /// The torso's sway from its stance, robot frame, as the balance regulation settles it for
  /// the arms' posture: arms reaching out shift the CoM by their mass ratio times their
  /// centroids' move, and the ankles bring the CoM back over the feet by moving the torso the
  /// other way. `armJointsRad` holds both arms' 7 joints (left, then right). The transient of a
  /// fast move and pushes are not in it (a few tenths of a second at the simulated 6 rad/s).
  public static func steadyTorsoSwayM(armJointsRad: [Double], balance: BalanceConfig = .defaults) -> SIMD3<Double> {
    guard armJointsRad.count >= 14, balance.referencePostureRad.count >= 14 else { return .zero }
    let chain = ArmChain()
    var shift = SIMD3<Double>.zero
    for arm in 0..<2 {
      shift += chain.centroidM(armJointsRad, first: arm * 7) - chain.centroidM(balance.referencePostureRad, first: arm * 7)
    }
    shift *= balance.armMassKg / balance.massKg
    return SIMD3(-shift.x, -shift.y, 0)
  }

  /// Both arms' joint names in the order `steadyTorsoSwayM` reads them (the robot description's,
  /// bus order).
  public static let armJointNames = RobotDescription.reference.jointNames

  /// A position perception reported in `frame` ("world", "robot"/"torso", or the gripper's own
  /// frame, e.g. "right_gripper", as touch reports it) in robot `robot`'s frame, using the arm's
  /// joints for the gripper frame; nil for an unknown robot or frame.
  public func inRobotFrame(
    _ positionM: SIMD3<Double>, frame: String, robot: String, armJointsRad: [Double]
  ) -> SIMD3<Double>? {
    switch PoseFrame(name: frame) {
    case .torso, .robot: return positionM
    case .world: return robotBaseInWorldM[robot].map { positionM - $0 }
    case .gripper:
      guard armJointsRad.count >= 7 else { return nil }
      return armBaseInRobotM + ArmChain().tcpFrame(armJointsRad).point(positionM)
    case .unknown: return nil
    }
  }

  /// The robot description's cell (``RobotDescription/reference``): robot "left" at y = +1 m,
  /// "right" at y = −1 m, right arm base (0.10, −0.20, 0.80) m, pin seat (0.55, −0.05, 0.776) m.
  public static var defaults: CellLayout {
    let robot = RobotDescription.reference
    return CellLayout(
      robotBaseInWorldM: robot.layout.robotBaseInWorldByID,
      armBaseInRobotM: robot.layout.armBaseInRobotM[robot.workingArm],
      pinSeatInRobotM: robot.layout.pinSeatInRobotM)
  }

  /// Parses "X,Y,Z" in metres.
  public static func parseVector(_ text: String) -> SIMD3<Double>? {
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 3, let x = parts[0], let y = parts[1], let z = parts[2], x.isFinite, y.isFinite, z.isFinite
    else { return nil }
    return SIMD3(x, y, z)
  }
}
