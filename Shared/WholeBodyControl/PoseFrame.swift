/// The frame a pose is given in, read from its name in the contracts (`Pose.frame`): the cell's
/// and the policy's code switch on this instead of comparing strings.
public enum PoseFrame: Sendable, Hashable, CaseIterable {
  /// The robot's torso: the robot frame moved with the torso's sway.
  case torso
  /// The robot's base frame.
  case robot
  /// The cell's frame (cell-sim's cameras); a pose without a frame name is in it too.
  case world
  /// A gripper's own frame (`right_gripper`, `left_gripper`): where touch places a held nut.
  case gripper
  /// A name none of the above reads.
  case unknown

  /// The frame `name` names: "torso", "robot", "world" (or ""), any name ending in "gripper".
  public init(name: String) {
    switch name {
    case "torso": self = .torso
    case "robot": self = .robot
    case "world", "": self = .world
    case let name where name.hasSuffix("gripper"): self = .gripper
    default: self = .unknown
    }
  }
}
