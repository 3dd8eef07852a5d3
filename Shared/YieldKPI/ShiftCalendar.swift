import Foundation

/// The plant's shift calendar: daily shifts in one IANA time zone, with planned breaks.
///
/// Shifts repeat every day on the zone's wall clock, so a shift's concrete instance is 1 h shorter
/// or longer on the night the clocks change (Europe/Berlin's 22:00→06:00 night shift lasts 7 h on
/// 2026-03-28/29 and 9 h on 2026-10-24/25). Wall times the clock skips map to the same distance
/// after the jump; wall times it shows twice map to their first occurrence. Time not covered by
/// any shift is unscheduled.
public struct ShiftCalendar: Hashable, Sendable {
  /// The zone the shifts' times of day are read in.
  public let timeZone: TimeZone
  /// The shifts, in the order given.
  public let shifts: [ShiftDefinition]

  private var clock: ZonedWallClock { ZonedWallClock(zone: timeZone) }

  /// Creates a calendar in the zone named `timeZoneIdentifier` (e.g. `Europe/Berlin`).
  ///
  /// Throws `unknownTimeZone` for a name the system's time zone database does not know, and every
  /// error of `init(timeZone:shifts:)`.
  public init(timeZoneIdentifier: String, shifts: [ShiftDefinition]) throws(ShiftCalendarError) {
    guard let zone = TimeZone(identifier: timeZoneIdentifier) else {
      throw ShiftCalendarError(
        .unknownTimeZone,
        "time zone '\(timeZoneIdentifier)' is not a known IANA zone; use a name like 'Europe/Berlin'")
    }
    try self.init(timeZone: zone, shifts: shifts)
  }

  /// Creates a calendar, checking that times of day are in range, names are unique and not empty,
  /// shifts do not overlap on the wall clock, and each shift's breaks lie within it without
  /// overlapping one another.
  public init(timeZone: TimeZone, shifts: [ShiftDefinition]) throws(ShiftCalendarError) {
    try Self.validate(shifts)
    self.timeZone = timeZone
    self.shifts = shifts
  }

  /// The shift instance containing `date` (start ≤ date < end), or nil when `date` is unscheduled.
  public func shift(containing date: Date) -> ShiftInstance? {
    let clock = self.clock
    let day = clock.localDay(containing: date)
    for startDay in [day - 1, day] {
      for shift in shifts {
        let instance = Self.instance(of: shift, startingOnLocalDay: startDay, clock: clock)
        if instance.start <= date && date < instance.end { return instance }
      }
    }
    return nil
  }

  /// Every shift instance that overlaps `interval` (even partly), ordered by start.
  public func instances(overlapping interval: DateInterval) -> [ShiftInstance] {
    guard !shifts.isEmpty else { return [] }
    let clock = self.clock
    let firstDay = clock.localDay(containing: interval.start) - 1
    let lastDay = clock.localDay(containing: interval.end)
    var found: [ShiftInstance] = []
    for day in firstDay...lastDay {
      for shift in shifts {
        let instance = Self.instance(of: shift, startingOnLocalDay: day, clock: clock)
        if instance.start < interval.end && instance.end > interval.start { found.append(instance) }
      }
    }
    return found.sorted()
  }

  /// The planned breaks of `instance` as concrete intervals, ordered by start; empty for an instance
  /// whose name is not in this calendar.
  public func plannedBreaks(in instance: ShiftInstance) -> [DateInterval] {
    guard let shift = shifts.first(where: { $0.name == instance.name }) else { return [] }
    let clock = self.clock
    let dayLength = Double(ZonedWallClock.secondsPerDay)
    // The local day the instance started on; rounding absorbs a start moved by a clock jump.
    let startDay = Int(
      ((clock.localSeconds(at: instance.start) - Double(shift.start.secondsSinceMidnight)) / dayLength).rounded())
    let shiftStartLocal = startDay * ZonedWallClock.secondsPerDay + shift.start.secondsSinceMidnight
    return shift.breaks
      .map { plannedBreak in
        let offset = Self.breakOffsets(plannedBreak, in: shift)
        return DateInterval(
          start: clock.date(atLocalSeconds: shiftStartLocal + offset.startS),
          end: clock.date(atLocalSeconds: shiftStartLocal + offset.endS))
      }
      .sorted { $0.start < $1.start }
  }

  /// The planned breaks of every shift instance overlapping `window`, clipped to it.
  public func plannedBreaks(overlapping window: DateInterval) -> [DateInterval] {
    instances(overlapping: window).flatMap { plannedBreaks(in: $0) }.compactMap { $0.intersection(with: window) }
      .filter { $0.duration > 0 }
  }

  static func instance(of shift: ShiftDefinition, startingOnLocalDay day: Int, clock: ZonedWallClock)
    -> ShiftInstance
  {
    let startLocal = day * ZonedWallClock.secondsPerDay + shift.start.secondsSinceMidnight
    return ShiftInstance(
      name: shift.name, start: clock.date(atLocalSeconds: startLocal),
      end: clock.date(atLocalSeconds: startLocal + shift.nominalLengthS))
  }

  /// A break's wall-clock start and end as seconds after its shift's start.
  static func breakOffsets(_ plannedBreak: PlannedBreak, in shift: ShiftDefinition) -> (startS: Int, endS: Int) {
    let dayLength = ZonedWallClock.secondsPerDay
    let startS =
      ((plannedBreak.start.secondsSinceMidnight - shift.start.secondsSinceMidnight) % dayLength + dayLength)
      % dayLength
    return (startS, startS + ShiftDefinition.wallSeconds(from: plannedBreak.start, to: plannedBreak.end))
  }

  private static func validate(_ shifts: [ShiftDefinition]) throws(ShiftCalendarError) {
    var names: Set<String> = []
    for shift in shifts {
      guard !shift.name.isEmpty, names.insert(shift.name).inserted else {
        throw ShiftCalendarError(
          .invalidShiftName,
          shift.name.isEmpty
            ? "a shift has an empty name; give every shift a name such as 'early'"
            : "shift name '\(shift.name)' is used twice; shift names must be unique")
      }
      for time in [shift.start, shift.end] + shift.breaks.flatMap({ [$0.start, $0.end] }) where !time.isValid {
        throw ShiftCalendarError(
          .invalidTimeOfDay,
          "shift '\(shift.name)' has time of day \(time.hour):\(time.minute):\(time.second); "
            + "use hours 0-23, minutes and seconds 0-59")
      }
      var previousBreakEndS: Int?
      let breaks = shift.breaks.map { ($0, breakOffsets($0, in: shift)) }.sorted { $0.1.startS < $1.1.startS }
      for (plannedBreak, offset) in breaks {
        guard plannedBreak.start != plannedBreak.end else {
          throw ShiftCalendarError(
            .emptyBreak, "break at \(plannedBreak.start) of shift '\(shift.name)' starts and ends at the same time")
        }
        guard offset.endS <= shift.nominalLengthS else {
          throw ShiftCalendarError(
            .breakOutsideShift,
            "break \(plannedBreak.start)–\(plannedBreak.end) is not within shift '\(shift.name)' "
              + "(\(shift.start)–\(shift.end)); move it inside the shift or to the shift it belongs to")
        }
        if let previousBreakEndS, offset.startS < previousBreakEndS {
          throw ShiftCalendarError(
            .overlappingBreaks,
            "break \(plannedBreak.start)–\(plannedBreak.end) of shift '\(shift.name)' overlaps an earlier break; "
              + "merge them into one")
        }
        previousBreakEndS = offset.endS
      }
    }
    let dayLength = ZonedWallClock.secondsPerDay
    for (index, first) in shifts.enumerated() {
      for second in shifts[(index + 1)...] {
        let a = first.start.secondsSinceMidnight
        let b = second.start.secondsSinceMidnight
        // Two arcs on the 24 h clock overlap when either starts inside the other.
        let secondStartsInFirst = ((b - a) % dayLength + dayLength) % dayLength < first.nominalLengthS
        let firstStartsInSecond = ((a - b) % dayLength + dayLength) % dayLength < second.nominalLengthS
        if secondStartsInFirst || firstStartsInSecond {
          throw ShiftCalendarError(
            .overlappingShifts,
            "shifts '\(first.name)' (\(first.start)–\(first.end)) and '\(second.name)' "
              + "(\(second.start)–\(second.end)) overlap; a moment may belong to one shift only")
        }
      }
    }
  }
}
