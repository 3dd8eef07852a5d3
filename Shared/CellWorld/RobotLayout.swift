import RobotDescription

/// Where things stand in the cell and what the joints can do, as the world model reads them: the
/// robot description's (``RobotDescription/reference``) numbers, spelled for the stepping loop.
/// Robot 0 works the left side, robot 1 the right side; each faces +x with its feeder and pin on
/// the table in front of it.
public struct RobotLayout: Sendable, Hashable {
  /// The robot every robot of the cell is.
  public static let robot = RobotDescription.reference
  /// Joints per robot: left arm 0–6, right arm 7–13.
  public static let jointCount = robot.jointCount
  /// Grippers per robot: 0 on the left arm, 1 on the right arm.
  public static let gripperCount = robot.gripperCount
  /// The arm that handles the nut (the right arm).
  public static let workingArm = robot.workingArm

  /// Feet centre of each robot on the floor, world frame.
  public static let robotBaseM: [Vector3] = robot.layout.robotBaseInWorldM
  /// Arm bases in the robot frame (left arm, right arm); the base frames are aligned with it.
  public static let armBaseM: [Vector3] = robot.layout.armBaseInRobotM
  /// The nut's centre at the feeder's pick position, robot frame.
  public static let pickPositionM: Vector3 = robot.layout.pickPositionInRobotM
  /// The pin's axis on its seat (the nut's bottom face rests here when seated), robot frame.
  public static let pinSeatM: Vector3 = robot.layout.pinSeatInRobotM
  /// Height of the overhead cameras above the table, metres.
  public static let cameraHeightM = robot.layout.cameraHeightM

  /// Joint position limits, radians (one arm; both arms alike).
  public static let positionMinRad: [Double] = robot.arm.positionMinRad
  /// Upper joint position limits, radians.
  public static let positionMaxRad: [Double] = robot.arm.positionMaxRad
  /// Joint speed limits, rad/s.
  public static let velocityMaxRadPerS: [Double] = robot.arm.velocityMaxRadPerS
  /// Joint torque limits, N·m.
  public static let torqueMaxNm: [Double] = robot.arm.torqueMaxNm
  /// Effective (reflected) inertia of each joint, kg·m².
  public static let inertiaKgM2: [Double] = robot.arm.inertiaKgM2
  /// Viscous friction of each joint, N·m·s/rad.
  public static let dampingNmSPerRad: [Double] = robot.arm.dampingNmSPerRad
  /// The pose both arms hold after Reset, radians.
  public static let homeRad: [Double] = robot.arm.homeRad
  /// Gains a robot holds with before its first command.
  public static let holdKp: [Double] = robot.arm.holdKpNmPerRad
  /// Damping gains a robot holds with before its first command.
  public static let holdKd: [Double] = robot.arm.holdKdNmSPerRad
  /// Encoder resolution: 2¹⁸ counts per turn.
  public static let encoderStepRad = robot.arm.encoderStepRad
  /// Largest gripper opening, metres.
  public static let gripperMaxWidthM = robot.gripper.maxWidthM
  /// Gripper finger speed, metres per second (width change).
  public static let gripperSpeedMPerS = robot.gripper.speedMPerS
  /// Largest gripper force, newtons.
  public static let gripperMaxForceN = robot.gripper.maxForceN

  /// A robot-frame point in the world frame (the robot's base does not turn).
  public static func world(_ point: Vector3, robot: Int) -> Vector3 { robotBaseM[robot] + point }
}
