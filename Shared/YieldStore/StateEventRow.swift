import Foundation

/// One equipment state interval of a cell, used for availability (docs/yield-api.md, "State event").
public struct StateEventRow: Sendable, Hashable, Codable {
  /// UUID chosen by the sender; re-sending the same id is a no-op. Stored lowercase.
  public var eventID: String
  public var cell: String
  public var robot: String?
  /// `producing`, `idle`, `starved`, `blocked`, `fault`, `estop`, `planned_stop` or `changeover`;
  /// the database rejects anything else.
  public var state: String
  /// Free reason code.
  public var reason: String
  public var startedAt: Date
  public var endedAt: Date

  /// Creates a state event row.
  public init(
    eventID: String, cell: String, robot: String? = nil, state: String, reason: String,
    startedAt: Date, endedAt: Date
  ) {
    self.eventID = eventID
    self.cell = cell
    self.robot = robot
    self.state = state
    self.reason = reason
    self.startedAt = startedAt
    self.endedAt = endedAt
  }
}
