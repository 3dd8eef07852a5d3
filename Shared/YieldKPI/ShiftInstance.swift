import Foundation

/// One concrete occurrence of a shift: the night shift of 2026-03-28, 21:00Z up to 04:00Z.
/// Its length follows the clock: 1 h shorter or longer on the night the clocks change.
public struct ShiftInstance: Hashable, Sendable, Comparable {
  /// The shift's name from the calendar.
  public var name: String
  /// First instant of the shift (the API's shift start).
  public var start: Date
  /// End, exclusive.
  public var end: Date

  /// Creates an instance.
  public init(name: String, start: Date, end: Date) {
    self.name = name
    self.start = start
    self.end = end
  }

  /// [start, end) as an interval.
  public var interval: DateInterval { DateInterval(start: start, end: end) }

  /// Length in seconds.
  public var lengthS: Double { end.timeIntervalSince(start) }

  /// Orders by start, then name.
  public static func < (lhs: Self, rhs: Self) -> Bool {
    lhs.start != rhs.start ? lhs.start < rhs.start : lhs.name < rhs.name
  }
}
