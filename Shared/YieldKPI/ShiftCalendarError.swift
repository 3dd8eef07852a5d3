/// Why a shift calendar was rejected: a code to switch on and a message naming what to fix.
public struct ShiftCalendarError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What is wrong with the calendar.
  public enum Code: String, Hashable, Sendable, CaseIterable {
    /// The time zone is not a known IANA identifier.
    case unknownTimeZone = "unknown_time_zone"
    /// Two shifts cover the same time of day.
    case overlappingShifts = "overlapping_shifts"
    /// A break does not lie within its shift.
    case breakOutsideShift = "break_outside_shift"
    /// Two breaks of one shift overlap.
    case overlappingBreaks = "overlapping_breaks"
    /// A time of day is out of range (hour 24, minute 60, …).
    case invalidTimeOfDay = "invalid_time_of_day"
    /// A break starts and ends at the same time of day.
    case emptyBreak = "empty_break"
    /// Two shifts share a name, or a name is empty.
    case invalidShiftName = "invalid_shift_name"
  }

  /// What is wrong.
  public var code: Code
  /// What to fix, for a person editing the plant configuration.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// `code: message`.
  public var description: String { "\(code.rawValue): \(message)" }
}
