import Foundation

/// Which cycles a query returns; nil fields do not filter. `from` is inclusive and `to` exclusive,
/// both on `ended_at` (docs/yield-api.md conventions).
public struct CycleFilter: Sendable, Hashable {
  public var cell: String?
  public var line: String?
  public var robot: String?
  public var station: String?
  public var outcome: String?
  public var failureCode: String?
  public var from: Date?
  public var to: Date?

  /// Creates a filter; the default matches every cycle.
  public init(
    cell: String? = nil, line: String? = nil, robot: String? = nil, station: String? = nil, outcome: String? = nil,
    failureCode: String? = nil, from: Date? = nil, to: Date? = nil
  ) {
    self.cell = cell
    self.line = line
    self.robot = robot
    self.station = station
    self.outcome = outcome
    self.failureCode = failureCode
    self.from = from
    self.to = to
  }
}
