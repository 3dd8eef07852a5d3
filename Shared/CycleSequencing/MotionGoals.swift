/// When a motion step the policy drives has reached its goal, from what a sequencer knows:
/// perception's nut position, the arm's forward kinematics and the pin's place in the cell
/// (all in one frame, metres). The policy was trained with these same hand-overs
/// (models/policy/*.md), so the sequencer and the training data agree on when a step ends.
public enum MotionGoals {
  /// Reach hands over to grasp once the fingers are within this distance of the nut sideways…
  public static let graspStartSidewaysM = 0.005
  /// …and less than this far above it (the pre-grasp pose is 60 mm above).
  public static let graspStartAboveM = 0.070
  /// Carry hands over to align/insert once the held nut is within this distance of the pin sideways.
  public static let insertStartSidewaysM = 0.010

  /// Reach is done: the fingers are over the nut (`nutFromTcpM` = nut − TCP), within
  /// `sidewaysM` (the training hand-over by default).
  public static func reachDone(nutFromTcpM d: SIMD3<Double>, sidewaysM: Double = graspStartSidewaysM) -> Bool {
    (d.x * d.x + d.y * d.y).squareRoot() < sidewaysM && -d.z < graspStartAboveM
  }

  /// Carry is done: the held nut is over the pin (`nutFromPinM` = nut − pin seat).
  public static func carryDone(nutFromPinM d: SIMD3<Double>) -> Bool {
    (d.x * d.x + d.y * d.y).squareRoot() <= insertStartSidewaysM
  }
}
