/// What the controller is doing; 1:1 with `workcell.control.v1.ControlMode`.
public enum ControlMode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// No joint-bus state yet, or power removed: no torque is commanded.
  case disabled = 1
  /// Holding a posture (the reference decelerates to rest, then stays), balancing.
  case holding = 2
  /// Tracking an action chunk.
  case tracking = 3
  /// Moving to the home posture.
  case homing = 4
  /// Executing a controlled (category 1 or 2) stop.
  case stopping = 5
  /// Stopped and latched until ``WholeBodyController/resume(nowNanoseconds:)``.
  case stopped = 6
  /// Stopped by a fault (joint-bus timeout, robot fallen); holds powered, latched until resume.
  case fault = 7

  /// The mode in words, for logs.
  public var description: String {
    switch self {
    case .disabled: "disabled"
    case .holding: "holding"
    case .tracking: "tracking"
    case .homing: "homing"
    case .stopping: "stopping"
    case .stopped: "stopped"
    case .fault: "fault"
    }
  }
}
