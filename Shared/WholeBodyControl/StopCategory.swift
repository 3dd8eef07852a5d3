/// IEC 60204-1 stop categories; raw values match `workcell.common.v1.StopCategory`.
public enum StopCategory: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
  /// Torque off at once (uncontrolled stop).
  case category0 = 1
  /// Controlled deceleration to standstill within a bounded time, then torque off.
  case category1 = 2
  /// Controlled deceleration to standstill, power kept, holding position.
  case category2 = 3

  /// More severe categories compare smaller: `category0 < category1 < category2`.
  public static func < (a: StopCategory, b: StopCategory) -> Bool { a.rawValue < b.rawValue }

  /// "category 0", "category 1" or "category 2".
  public var description: String { "category \(rawValue - 1)" }
}
