/// The state a cell or robot reports in a state event (docs/yield-api.md "Records"), for availability.
public enum MachineState: String, Hashable, Sendable, CaseIterable, Codable {
  /// Making parts.
  case producing
  /// Ready but not working, with nothing wrong upstream or downstream.
  case idle
  /// Waiting for parts from upstream.
  case starved
  /// Waiting for downstream to take parts.
  case blocked
  /// Stopped by a fault.
  case fault
  /// Stopped by an emergency stop.
  case estop
  /// Stopped on purpose (break, maintenance window, no order): not counted as planned time.
  case plannedStop = "planned_stop"
  /// Being changed over to another product or program.
  case changeover

  /// Whether time in this state is downtime in OEE: fault, estop, starved, blocked, idle, changeover.
  public var isDowntime: Bool {
    switch self {
    case .fault, .estop, .starved, .blocked, .idle, .changeover: true
    case .producing, .plannedStop: false
    }
  }
}
