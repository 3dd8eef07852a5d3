/// Where things stand in the cell and what the joints can do. Robot 0 works the left side,
/// robot 1 the right side; each faces +x with its feeder and pin on the table in front of it.
public struct RobotLayout: Sendable, Hashable {
  /// Joints per robot: left arm 0–6, right arm 7–13.
  public static let jointCount = 14
  /// Grippers per robot: 0 on the left arm, 1 on the right arm.
  public static let gripperCount = 2
  /// The arm that handles the nut (the right arm).
  public static let workingArm = 1

  /// Feet centre of each robot on the floor, world frame.
  public static let robotBaseM: [Vector3] = [[0, 1.0, 0], [0, -1.0, 0]]
  /// Arm bases in the robot frame (left arm, right arm); the base frames are aligned with it.
  public static let armBaseM: [Vector3] = [[0.10, 0.20, 0.80], [0.10, -0.20, 0.80]]
  /// The nut's centre at the feeder's pick position, robot frame.
  public static let pickPositionM: Vector3 = [0.55, -0.35, 0.780]
  /// The pin's axis on its seat (the nut's bottom face rests here when seated), robot frame.
  public static let pinSeatM: Vector3 = [0.55, -0.05, 0.776]
  /// Height of the overhead cameras above the table, metres.
  public static let cameraHeightM = 0.15

  /// Joint position limits, radians (one arm; both arms alike).
  public static let positionMinRad: [Double] = [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973]
  /// Upper joint position limits, radians.
  public static let positionMaxRad: [Double] = [2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973]
  /// Joint speed limits, rad/s.
  public static let velocityMaxRadPerS: [Double] = [2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61]
  /// Joint torque limits, N·m.
  public static let torqueMaxNm: [Double] = [87, 87, 87, 87, 12, 12, 12]
  /// Effective (reflected) inertia of each joint, kg·m².
  public static let inertiaKgM2: [Double] = [0.6, 0.6, 0.3, 0.3, 0.05, 0.05, 0.02]
  /// Viscous friction of each joint, N·m·s/rad.
  public static let dampingNmSPerRad: [Double] = [2, 2, 1, 1, 0.2, 0.2, 0.1]
  /// The pose both arms hold after Reset, radians.
  public static let homeRad: [Double] = [0, -0.785, 0, -2.356, 0, 1.571, 0.785]
  /// Gains a robot holds with before its first command.
  public static let holdKp: [Double] = [600, 600, 500, 500, 200, 150, 50]
  /// Damping gains a robot holds with before its first command.
  public static let holdKd: [Double] = [40, 40, 30, 30, 10, 8, 4]
  /// Encoder resolution: 2¹⁸ counts per turn.
  public static let encoderStepRad = 2 * Double.pi / 262_144
  /// Largest gripper opening, metres.
  public static let gripperMaxWidthM = 0.08
  /// Gripper finger speed, metres per second (width change).
  public static let gripperSpeedMPerS = 0.1
  /// Largest gripper force, newtons.
  public static let gripperMaxForceN = 70.0

  /// A robot-frame point in the world frame (the robot's base does not turn).
  public static func world(_ point: Vector3, robot: Int) -> Vector3 { robotBaseM[robot] + point }
}
