/// The robot the cell runs, described once: its joints (names, limits, drive model, home), the
/// arm's kinematic chain and tool frame, its grippers, its body's mass and footprint, and where
/// it stands in the cell. Control, the policy, perception, the simulated cell and the trainer all
/// read this description (``reference`` for the cell as built); nothing else spells these numbers.
///
/// Joint order is the joint bus's: the left arm's joints 1–7, then the right arm's; grippers
/// left, right. Both arms are alike (one ``ArmDescription``).
public struct RobotDescription: Sendable, Hashable {
  /// The arms' sides in bus order; each names its joints `<side>_arm_joint_<k>` and its gripper
  /// `<side>_gripper`.
  public var armSides: [String]
  /// The arm that handles the nut (index into ``armSides``).
  public var workingArm: Int
  /// Each arm (both alike).
  public var arm: ArmDescription
  /// Each arm's parallel gripper.
  public var gripper: GripperDescription
  /// The humanoid's mass and footprint (what its balance depends on).
  public var body: BodyDescription
  /// Where the robots and what they work on stand in the cell.
  public var layout: CellLayoutDescription

  /// A description from its parts.
  public init(
    armSides: [String], workingArm: Int, arm: ArmDescription, gripper: GripperDescription, body: BodyDescription,
    layout: CellLayoutDescription
  ) {
    self.armSides = armSides
    self.workingArm = workingArm
    self.arm = arm
    self.gripper = gripper
    self.body = body
    self.layout = layout
  }

  /// Joints per arm.
  public var jointsPerArm: Int { arm.chain.jointCount }
  /// Joints of the whole robot (every arm).
  public var jointCount: Int { armSides.count * jointsPerArm }
  /// Grippers of the whole robot (one per arm).
  public var gripperCount: Int { armSides.count }

  /// One arm's joint names: `<side>_arm_joint_1` … `<side>_arm_joint_7`.
  public func jointNames(arm side: String) -> [String] { (1...jointsPerArm).map { "\(side)_arm_joint_\($0)" } }
  /// Every joint's name in bus order (`left_arm_joint_1` … `right_arm_joint_7`).
  public var jointNames: [String] { armSides.flatMap { jointNames(arm: $0) } }
  /// The working arm's joint names (`right_arm_joint_1` … `right_arm_joint_7`): the joints the
  /// policy observes and commands.
  public var workingArmJointNames: [String] { jointNames(arm: armSides[workingArm]) }
  /// One arm's gripper name: `<side>_gripper`.
  public func gripperName(arm side: String) -> String { "\(side)_gripper" }
  /// Every gripper's name in bus order (`left_gripper`, `right_gripper`).
  public var gripperNames: [String] { armSides.map { gripperName(arm: $0) } }
  /// The working arm's gripper (`right_gripper`).
  public var workingGripperName: String { gripperName(arm: armSides[workingArm]) }

  /// A per-joint value of one arm repeated for every arm, bus order.
  public func everyArm(_ perArm: [Double]) -> [Double] { armSides.flatMap { _ in perArm } }
}
