import Foundation

/// Groups cycles into KPI rows by the API's `group_by` dimensions, in any combination.
///
/// A cycle belongs to the bucket containing its `endedAt`. Hour and day buckets follow the wall
/// clock of the given zone (UTC by default), so a day is 23 h or 25 h when the clocks change; shift
/// buckets follow the calendar's own zone. Grouping by shift without a calendar, or a cycle outside
/// every shift, gives a nil shift name: such cycles stay in the result rather than vanish.
public enum Bucketing {
  /// The key of the bucket `cycle` belongs to.
  public static func key(
    for cycle: CycleFact, by dimensions: some Collection<GroupDimension>, calendar: ShiftCalendar?,
    timeZone: TimeZone = .gmt
  ) -> BucketKey {
    let clock = ZonedWallClock(zone: timeZone)
    return key(for: cycle, by: Set(dimensions), calendar: calendar, clock: clock)
  }

  /// Groups `cycles` into buckets; each cycle lands in exactly one. Sort the keys for stable output.
  public static func groupCycles(
    _ cycles: [CycleFact], by dimensions: some Collection<GroupDimension>, calendar: ShiftCalendar?,
    timeZone: TimeZone = .gmt
  ) -> [BucketKey: [CycleFact]] {
    let clock = ZonedWallClock(zone: timeZone)
    let dimensions = Set(dimensions)
    return Dictionary(grouping: cycles) { key(for: $0, by: dimensions, calendar: calendar, clock: clock) }
  }

  /// The time buckets (hour, day or shift instance) that tile `window` when grouping by
  /// `dimensions`, each clipped to the window, with the key's time fields set; for OEE, whose
  /// planned time needs every bucket, not only those with cycles.
  ///
  /// Without a time dimension the window is one bucket. With shift and hour or day, buckets are
  /// the hours or days cut at shift boundaries; time outside every shift is left out when grouping
  /// by shift. Ordered by start.
  public static func timeBuckets(
    in window: DateInterval, by dimensions: some Collection<GroupDimension>, calendar: ShiftCalendar?,
    timeZone: TimeZone = .gmt
  ) -> [(key: BucketKey, interval: DateInterval)] {
    let dimensions = Set(dimensions)
    let clock = ZonedWallClock(zone: timeZone)
    var clockBuckets: [(start: Date, interval: DateInterval)]
    if dimensions.contains(.hour) || dimensions.contains(.day) {
      clockBuckets = []
      var start =
        dimensions.contains(.hour)
        ? clock.startOfHour(containing: window.start) : clock.startOfDay(clock.localDay(containing: window.start))
      while start < window.end {
        let next =
          dimensions.contains(.hour)
          ? clock.startOfHour(containing: start.addingTimeInterval(3600))
          : clock.startOfDay(clock.localDay(containing: start) + 1)
        if let clipped = DateInterval(start: start, end: next).intersection(with: window), clipped.duration > 0 {
          clockBuckets.append((start, clipped))
        }
        start = next
      }
    } else {
      clockBuckets = [(window.start, window)]
    }
    let hasClockDimension = dimensions.contains(.hour) || dimensions.contains(.day)
    guard dimensions.contains(.shift) else {
      return clockBuckets.map { (BucketKey(bucketStart: hasClockDimension ? $0.start : nil), $0.interval) }
    }
    let shifts = calendar?.instances(overlapping: window) ?? []
    var result: [(key: BucketKey, interval: DateInterval)] = []
    for bucket in clockBuckets {
      for shift in shifts {
        guard let part = bucket.interval.intersection(with: shift.interval), part.duration > 0 else { continue }
        let key = BucketKey(bucketStart: hasClockDimension ? bucket.start : shift.start, shiftName: shift.name)
        result.append((key, part))
      }
    }
    return result.sorted { $0.interval.start < $1.interval.start }
  }

  static func key(
    for cycle: CycleFact, by dimensions: Set<GroupDimension>, calendar: ShiftCalendar?, clock: ZonedWallClock
  ) -> BucketKey {
    var key = BucketKey()
    if dimensions.contains(.hour) {
      key.bucketStart = clock.startOfHour(containing: cycle.endedAt)
    } else if dimensions.contains(.day) {
      key.bucketStart = clock.startOfDay(clock.localDay(containing: cycle.endedAt))
    }
    if dimensions.contains(.shift), let shift = calendar?.shift(containing: cycle.endedAt) {
      key.shiftName = shift.name
      if key.bucketStart == nil { key.bucketStart = shift.start }
    }
    if dimensions.contains(.cell) { key.cell = cycle.cell }
    if dimensions.contains(.robot) { key.robot = cycle.robot }
    if dimensions.contains(.station) { key.station = cycle.station }
    if dimensions.contains(.line) { key.line = cycle.line }
    if dimensions.contains(.modelVersion) { key.modelVersion = cycle.modelVersion }
    return key
  }
}
