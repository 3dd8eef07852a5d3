import RobotDescription

/// What the controller reads from the robot each tick, like ros2_control's state interfaces: per
/// joint its position, velocity and torque, per gripper its opening and force, the torso IMU,
/// whether the robot has fallen, and when it was measured. Any hardware fills it — the UDP joint
/// bus from a state datagram (`JointBusState`), a simulated world in the same process from its
/// sensors — and the controller (`WholeBodyController.update`) reads only this. Joint and gripper
/// order is the robot description's (bus order). Allocate once and reuse.
public struct JointStateInterfaces: Sendable {
  /// When the robot measured it (its clock, or simulated time), nanoseconds.
  public var measuredAtNanoseconds: UInt64 = 0
  /// Encoder position per joint, radians.
  public var positionRad: [Double]
  /// Velocity per joint, rad/s.
  public var velocityRadPerS: [Double]
  /// Measured torque per joint, N·m.
  public var torqueNm: [Double]
  /// Opening per gripper, metres.
  public var gripperWidthM: [Double]
  /// Grip force per gripper, newtons.
  public var gripperForceN: [Double]
  /// IMU specific force (gravity included), IMU frame, m/s²: x, y, z.
  public var imuSpecificForceMPerS2: (x: Double, y: Double, z: Double) = (0, 0, 0)
  /// IMU angular rate, IMU frame, rad/s: x, y, z.
  public var imuAngularRateRadPerS: (x: Double, y: Double, z: Double) = (0, 0, 0)
  /// IMU orientation in the world: w, x, y, z.
  public var imuOrientation: (w: Double, x: Double, y: Double, z: Double) = (1, 0, 0, 0)
  /// The robot reports it has fallen.
  public var fallen = false

  /// Zeros for every joint and gripper of `robot`.
  public init(robot: RobotDescription = .reference) {
    positionRad = [Double](repeating: 0, count: robot.jointCount)
    velocityRadPerS = [Double](repeating: 0, count: robot.jointCount)
    torqueNm = [Double](repeating: 0, count: robot.jointCount)
    gripperWidthM = [Double](repeating: 0, count: robot.gripperCount)
    gripperForceN = [Double](repeating: 0, count: robot.gripperCount)
  }
}
