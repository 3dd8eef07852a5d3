/// One shift of the plant calendar: its name, wall-clock start and end (an end before the start
/// means the shift ends the next day, e.g. night 22:00→06:00; an end equal to the start means a
/// 24 h shift), and its planned breaks.
public struct ShiftDefinition: Hashable, Sendable {
  /// Name the API reports, e.g. `early`, `late`, `night`.
  public var name: String
  /// Wall-clock start.
  public var start: TimeOfDay
  /// Wall-clock end, exclusive; at or before `start` means the next day (equal: 24 h later).
  public var end: TimeOfDay
  /// Planned breaks, each within the shift.
  public var breaks: [PlannedBreak]

  /// Creates a shift definition.
  public init(name: String, start: TimeOfDay, end: TimeOfDay, breaks: [PlannedBreak] = []) {
    self.name = name
    self.start = start
    self.end = end
    self.breaks = breaks
  }

  /// Whether the shift ends on the day after it starts.
  public var crossesMidnight: Bool { end <= start }

  /// Nominal length on the wall clock (a day without a clock change), in seconds.
  public var nominalLengthS: Int { Self.wallSeconds(from: start, to: end) }

  /// Wall-clock seconds from `from` forward to `to`, in (0, 86 400]: equal times mean a full day.
  static func wallSeconds(from: TimeOfDay, to: TimeOfDay) -> Int {
    let difference = to.secondsSinceMidnight - from.secondsSinceMidnight
    return difference > 0 ? difference : difference + ZonedWallClock.secondsPerDay
  }
}
