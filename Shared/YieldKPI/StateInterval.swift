import Foundation

/// A state event as an interval: a cell (or one of its robots) was in `state` from `startedAt`
/// up to `endedAt` (exclusive).
public struct StateInterval: Hashable, Sendable {
  /// Cell id.
  public var cell: String
  /// Robot id, or nil for a state of the whole cell.
  public var robot: String?
  /// The state.
  public var state: MachineState
  /// Start, inclusive.
  public var startedAt: Date
  /// End, exclusive; an interval with `endedAt <= startedAt` counts no time.
  public var endedAt: Date

  /// Creates a state interval.
  public init(cell: String, robot: String? = nil, state: MachineState, startedAt: Date, endedAt: Date) {
    self.cell = cell
    self.robot = robot
    self.state = state
    self.startedAt = startedAt
    self.endedAt = endedAt
  }
}
