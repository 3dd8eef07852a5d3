/// What control executed during a cycle, as its 1 kHz loop sampled itself (`Control/GetTrace`,
/// 50 Hz): the working arm's joints and gripper, measured and commanded. Values are rounded to
/// 1e-6 (µrad, µm) so an episode stays small on disk.
extension Episode {
  public struct Trace: Codable, Sendable, Equatable {
    /// Time between samples, ms (20 = 50 Hz).
    public var periodMs: Int
    /// The joints, in the order of every sample's joint arrays.
    public var jointNames: [String]
    /// The gripper the widths are of.
    public var gripperName: String
    /// Seconds since the cycle started, per sample.
    public var timeS: [Double]
    /// Measured joint positions per sample (rad).
    public var positionRad: [[Double]]
    /// Measured joint velocities per sample (rad/s).
    public var velocityRadPerS: [[Double]]
    /// The position targets the loop sent with each sample's state (rad).
    public var commandedPositionRad: [[Double]]
    /// Measured gripper width per sample (m).
    public var gripperWidthM: [Double]
    /// The gripper width target sent (m).
    public var commandedGripperWidthM: [Double]

    public init(
      periodMs: Int, jointNames: [String], gripperName: String, timeS: [Double], positionRad: [[Double]],
      velocityRadPerS: [[Double]], commandedPositionRad: [[Double]], gripperWidthM: [Double], commandedGripperWidthM: [Double]
    ) {
      self.periodMs = periodMs
      self.jointNames = jointNames
      self.gripperName = gripperName
      self.timeS = timeS.map(Self.rounded)
      self.positionRad = positionRad.map { $0.map(Self.rounded) }
      self.velocityRadPerS = velocityRadPerS.map { $0.map(Self.rounded) }
      self.commandedPositionRad = commandedPositionRad.map { $0.map(Self.rounded) }
      self.gripperWidthM = gripperWidthM.map(Self.rounded)
      self.commandedGripperWidthM = commandedGripperWidthM.map(Self.rounded)
    }

    /// Samples in the trace.
    public var count: Int { timeS.count }

    static func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }

    enum CodingKeys: String, CodingKey {
      case periodMs = "period_ms"
      case jointNames = "joint_names"
      case gripperName = "gripper_name"
      case timeS = "time_s"
      case positionRad = "position_rad"
      case velocityRadPerS = "velocity_rad_per_s"
      case commandedPositionRad = "commanded_position_rad"
      case gripperWidthM = "gripper_width_m"
      case commandedGripperWidthM = "commanded_gripper_width_m"
    }
  }
}
