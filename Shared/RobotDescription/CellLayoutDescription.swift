/// Where things stand in the cell. The world frame is the cell's; each robot's frame has its
/// origin at its feet centre on the floor, x forward, and does not turn against the world's.
public struct CellLayoutDescription: Sendable, Hashable {
  /// Robot ids (`EquipmentRef.robot`) by robot index.
  public var robotIDs: [String]
  /// Each robot's base (feet centre on the floor), world frame, by robot index, metres.
  public var robotBaseInWorldM: [SIMD3<Double>]
  /// Each arm's base in the robot frame (arms in bus order), metres; the arms' base frames are
  /// aligned with the robot's.
  public var armBaseInRobotM: [SIMD3<Double>]
  /// The nut's centre at the feeder's pick position, robot frame, metres.
  public var pickPositionInRobotM: SIMD3<Double>
  /// The fixture pin's seat (where a seated nut's bottom face rests), robot frame, metres.
  public var pinSeatInRobotM: SIMD3<Double>
  /// Height of the overhead cameras above the pin seat, metres.
  public var cameraHeightM: Double

  /// A layout from its parts.
  public init(
    robotIDs: [String], robotBaseInWorldM: [SIMD3<Double>], armBaseInRobotM: [SIMD3<Double>],
    pickPositionInRobotM: SIMD3<Double>, pinSeatInRobotM: SIMD3<Double>, cameraHeightM: Double
  ) {
    self.robotIDs = robotIDs
    self.robotBaseInWorldM = robotBaseInWorldM
    self.armBaseInRobotM = armBaseInRobotM
    self.pickPositionInRobotM = pickPositionInRobotM
    self.pinSeatInRobotM = pinSeatInRobotM
    self.cameraHeightM = cameraHeightM
  }

  /// Robot id → its base in the world frame.
  public var robotBaseInWorldByID: [String: SIMD3<Double>] {
    Dictionary(uniqueKeysWithValues: zip(robotIDs, robotBaseInWorldM))
  }
}
