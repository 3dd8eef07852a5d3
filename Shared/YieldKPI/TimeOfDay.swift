/// A wall-clock time of day in the calendar's zone, e.g. 22:00, with second resolution.
public struct TimeOfDay: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// Hour, 0…23.
  public var hour: Int
  /// Minute, 0…59.
  public var minute: Int
  /// Second, 0…59.
  public var second: Int

  /// Creates a time of day; `ShiftCalendar` rejects values out of range.
  public init(hour: Int, minute: Int = 0, second: Int = 0) {
    self.hour = hour
    self.minute = minute
    self.second = second
  }

  /// Parses `HH:MM` or `HH:MM:SS` (as plant configurations write it); nil when malformed or out of range.
  public init?(_ text: some StringProtocol) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 3,
      parts.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy(\.isASCII) }),
      let hour = Int(parts[0]), let minute = Int(parts[1]), let second = parts.count == 3 ? Int(parts[2]) : 0
    else { return nil }
    self.init(hour: hour, minute: minute, second: second)
    guard isValid else { return nil }
  }

  /// Whether hour, minute and second are in range.
  public var isValid: Bool { (0..<24).contains(hour) && (0..<60).contains(minute) && (0..<60).contains(second) }

  /// Seconds since midnight on the wall clock.
  public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }

  /// `HH:MM` or `HH:MM:SS`.
  public var description: String {
    func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let hhmm = "\(twoDigits(hour)):\(twoDigits(minute))"
    return second == 0 ? hhmm : "\(hhmm):\(twoDigits(second))"
  }

  /// Orders by time since midnight.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.secondsSinceMidnight < rhs.secondsSinceMidnight }
}
