/// Why a cycle was not ok: the 16 codes of docs/yield-api.md, raw values as the API spells them.
public enum FailureCode: String, Hashable, Sendable, CaseIterable, Codable, Comparable {
  /// The nut's spline did not line up with the bolt.
  case splineMisaligned = "spline_misaligned"
  /// The part slipped in the gripper.
  case gripSlip = "grip_slip"
  /// The magnetic nut runner pulled the nut off.
  case magneticPullOff = "magnetic_pull_off"
  /// The nut was not seated before fastening.
  case nutNotSeated = "nut_not_seated"
  /// The nut cross-threaded.
  case crossThread = "cross_thread"
  /// Final torque below the window.
  case torqueLow = "torque_low"
  /// Final torque above the window.
  case torqueHigh = "torque_high"
  /// Vision lost the part or the target.
  case visionLost = "vision_lost"
  /// The feeder did not present a part in time.
  case feederTimeout = "feeder_timeout"
  /// The fixture did not clamp or release in time.
  case fixtureTimeout = "fixture_timeout"
  /// A PLC latched a fault.
  case plcFault = "plc_fault"
  /// The safety chain opened.
  case estop
  /// The policy did not answer in time.
  case policyTimeout = "policy_timeout"
  /// The robot controller faulted.
  case controlFault = "control_fault"
  /// Anything else.
  case other
  /// The cell restarted (a crash, a power loss) while the cycle ran: stored as aborted at the
  /// restart from the cell's journal of cycles in flight (docs/cell.md, "Outages").
  case cellRestart = "cell_restart"

  /// Orders by raw value, so Pareto ties sort the way the API spells the codes.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
