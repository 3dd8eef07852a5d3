/// Why tracking of a chunk ended; 1:1 with `workcell.control.v1.ExecutionReason`.
public enum ExecutionReason: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// Every step was tracked.
  case completed = 1
  /// A newer chunk took over from its first future step.
  case superseded = 2
  /// It expired before its end and nothing replaced it: holding.
  case expired = 3
  /// A target broke a position or velocity limit beyond tolerance.
  case limit = 4
  /// The balance margin fell below its floor.
  case balance = 5
  /// Hold, Home or Stop was requested.
  case interrupted = 6
  /// The safety chain opened.
  case safety = 7
  /// Joint-bus or controller fault.
  case fault = 8

  /// The reason in words, for logs.
  public var description: String {
    switch self {
    case .completed: "completed"
    case .superseded: "superseded"
    case .expired: "expired"
    case .limit: "limit"
    case .balance: "balance"
    case .interrupted: "interrupted"
    case .safety: "safety"
    case .fault: "fault"
    }
  }
}
