import RobotDescription

/// What the controller writes to the robot each tick, like ros2_control's command interfaces:
/// per joint a target position and velocity, a feed-forward torque and the drive's gains
/// (τ = kp (q* − q) + kd (q̇* − q̇) + τ_ff), per gripper a target opening and grip force. Any
/// hardware takes it — the UDP joint bus as a command datagram (`JointBusCommand`), a simulated
/// world in the same process as its command frame. Joint and gripper order is the robot
/// description's (bus order). Allocate once and reuse.
public struct JointCommandInterfaces: Sendable, Hashable {
  /// Target position per joint, radians.
  public var positionRad: [Double]
  /// Target velocity per joint, rad/s.
  public var velocityRadPerS: [Double]
  /// Feed-forward torque per joint, N·m.
  public var torqueNm: [Double]
  /// Position gain per joint, N·m/rad.
  public var kp: [Double]
  /// Velocity gain per joint, N·m·s/rad.
  public var kd: [Double]
  /// Target opening per gripper, metres.
  public var gripperWidthM: [Double]
  /// Grip force per gripper, newtons.
  public var gripperForceN: [Double]

  /// Zeros for every joint and gripper of `robot` (no torque, no gains).
  public init(robot: RobotDescription = .reference) {
    positionRad = [Double](repeating: 0, count: robot.jointCount)
    velocityRadPerS = [Double](repeating: 0, count: robot.jointCount)
    torqueNm = [Double](repeating: 0, count: robot.jointCount)
    kp = [Double](repeating: 0, count: robot.jointCount)
    kd = [Double](repeating: 0, count: robot.jointCount)
    gripperWidthM = [Double](repeating: 0, count: robot.gripperCount)
    gripperForceN = [Double](repeating: 0, count: robot.gripperCount)
  }
}
