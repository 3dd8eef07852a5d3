import RobotHardware

// A robot's joint command for one tick is the controller's command interfaces
// (`JointCommandInterfaces`, Shared/RobotHardware): the world executes what a controller writes,
// and copies it, it does not keep it.
extension JointCommandInterfaces {
  /// A command holding the home pose with the hold gains, grippers open (what a robot does
  /// before its first command).
  public static var holdingHome: JointCommandInterfaces {
    var command = JointCommandInterfaces(robot: RobotLayout.robot)
    command.positionRad = RobotLayout.homeRad + RobotLayout.homeRad
    command.kp = RobotLayout.holdKp + RobotLayout.holdKp
    command.kd = RobotLayout.holdKd + RobotLayout.holdKd
    command.gripperWidthM = [RobotLayout.gripperMaxWidthM, RobotLayout.gripperMaxWidthM]
    command.gripperForceN = [20, 20]
    return command
  }
}

/// One robot's measured state for one tick (what a joint-bus state datagram carries).
public struct JointStateFrame: Sendable, Hashable {
  /// Encoder position per joint (quantised), radians.
  public var positionRad = [Double](repeating: 0, count: RobotLayout.jointCount)
  /// Velocity per joint, rad/s.
  public var velocityRadPerS = [Double](repeating: 0, count: RobotLayout.jointCount)
  /// Measured joint torque per joint (with sensor noise), N·m.
  public var torqueNm = [Double](repeating: 0, count: RobotLayout.jointCount)
  /// Opening per gripper, metres.
  public var gripperWidthM = [Double](repeating: 0, count: RobotLayout.gripperCount)
  /// Grip force per gripper, newtons.
  public var gripperForceN = [Double](repeating: 0, count: RobotLayout.gripperCount)
  /// The latest torso IMU sample.
  public var imu = ImuReading()
  /// The robot has fallen.
  public var fallen = false

  /// An empty frame to fill with `CellWorld.readState`.
  public init() {}
}

/// One IMU sample: specific force (gravity included) and angular rate in the IMU frame, and the
/// IMU frame's orientation in the world.
public struct ImuReading: Sendable, Hashable {
  /// Specific force, m/s² (≈ (0, 0, +9.81) standing still).
  public var specificForceMPerS2 = Vector3(0, 0, 9.81)
  /// Angular rate, rad/s.
  public var angularRateRadPerS = Vector3.zero
  /// Orientation (w, x, y, z).
  public var orientation = Quaternion.identity
  /// World step at which it was sampled.
  public var step: UInt64 = 0
  /// Samples since Reset.
  public var sequence: UInt64 = 0

  /// A level, still sample.
  public init() {}
}

/// The true state around one robot, for tests and scoring only.
public struct RobotTruth: Sendable, Hashable {
  /// State of the robot's nut.
  public var nutState: NutState
  /// The nut's centre, world frame, metres.
  public var nutPositionM: Vector3
  /// The nut's yaw (direction of one tooth centre) about world z, radians.
  public var nutYawRad: Double
  /// Spline phase error against the pin, degrees in [−pitch/2, pitch/2).
  public var splinePhaseErrorDeg: Double
  /// The nut is slipping in the gripper now.
  public var slipping: Bool
  /// Force on the gripper from the nut (magnetic pull, pin contact), world frame, newtons.
  public var contactForceN: Vector3
  /// Centre of mass, world frame, metres.
  public var comM: Vector3
  /// Distance of the capture point inside the support polygon, metres (negative = falling).
  public var balanceMarginM: Double
  /// The robot has fallen.
  public var fallen: Bool
  /// The working gripper's TCP, world frame.
  public var tcp: Pose3
  /// Nut offset in the TCP frame while held, metres.
  public var gripOffsetM: Vector3
  /// How the nut last started on the pin and was let go (what cross-threading follows).
  public var seating: NutModel.Seating = .nominal
  /// The grasp's friction coefficient (after its offset across the pads).
  public var gripFriction: Double = 0
}
