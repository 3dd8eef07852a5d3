/// The cycle step an observation is taken in (`workcell.common.v1.CycleStep`, same numbers):
/// it conditions the policy.
public enum PolicyCycleStep: Int, Sendable, Hashable, CaseIterable {
  /// None or not given.
  case unspecified = 0
  /// Feeder handshake.
  case requestPart = 1
  /// Vision locates the presented nut.
  case perceivePart = 2
  /// Arm moves to the pre-grasp pose.
  case reach = 3
  /// Fingers close on the nut.
  case grasp = 4
  /// Touch check, refine, re-grasp.
  case graspCheck = 5
  /// Carry the nut to the fixture.
  case carry = 6
  /// Align the spline with the pin.
  case align = 7
  /// Push the nut onto the pin.
  case insert = 8
  /// Open the fingers and back away.
  case releaseRetreat = 9
  /// Fixture clamps and fastens.
  case fasten = 10
  /// The cycle record is written.
  case report = 11
}
