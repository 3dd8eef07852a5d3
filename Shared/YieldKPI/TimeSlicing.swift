import Foundation

/// Which time group each instant of a query's window falls in, as sorted boundaries — the form a
/// database can apply to every row with one binary search (PostgreSQL's `width_bucket`), so KPI
/// rows can be counted where the cycles are stored instead of read one by one.
///
/// `boundaries` split the time line into `boundaries.count + 1` gaps: gap 0 before the first
/// boundary, gap i in [boundaries[i − 1], boundaries[i]), the last from the last boundary on.
/// `groupOfGap[i]` names the time group of gap i (an index into `keys`), or nil when cycles ending
/// there are left out. Without boundaries the whole line is gap 0.
public struct TimeSlicing: Hashable, Sendable {
  /// Ascending instants at which the time group may change.
  public var boundaries: [Date]
  /// The time group of each gap (`boundaries.count + 1` entries), nil for time that belongs to none.
  public var groupOfGap: [Int?]
  /// The time fields (bucket start, shift name) of each group's KPI row.
  public var keys: [BucketKey]

  /// Creates a slicing; `groupOfGap` must have one entry more than `boundaries`.
  public init(boundaries: [Date], groupOfGap: [Int?], keys: [BucketKey]) {
    precondition(groupOfGap.count == boundaries.count + 1, "one group per gap between boundaries")
    self.boundaries = boundaries
    self.groupOfGap = groupOfGap
    self.keys = keys
  }

  /// The gap `date` lies in: the number of boundaries at or before it (`width_bucket`'s answer).
  public func gap(of date: Date) -> Int {
    var low = 0
    var high = boundaries.count
    while low < high {
      let mid = (low + high) / 2
      if boundaries[mid] <= date { low = mid + 1 } else { high = mid }
    }
    return low
  }

  /// The time group of a cycle that ended at `date`, nil when it belongs to none.
  public func group(of date: Date) -> Int? { groupOfGap[gap(of: date)] }

  /// Each interval its own group, keyed as given; time outside them belongs to none. The intervals
  /// must not overlap (OEE's time buckets, which also need each bucket's planned time, are such).
  public init(buckets: [(key: BucketKey, interval: DateInterval)]) {
    var boundaries: [Date] = []
    var groupOfGap: [Int?] = [nil]
    for (index, bucket) in buckets.enumerated().sorted(by: { $0.element.interval.start < $1.element.interval.start }) {
      if boundaries.last == bucket.interval.start {
        groupOfGap[groupOfGap.count - 1] = index
      } else {
        boundaries.append(bucket.interval.start)
        groupOfGap.append(index)
      }
      boundaries.append(bucket.interval.end)
      groupOfGap.append(nil)
    }
    self.init(boundaries: boundaries, groupOfGap: groupOfGap, keys: buckets.map(\.key))
  }
}

extension Bucketing {
  /// The slicing that gives every instant of `window` the time fields `key(for:by:calendar:)` gives a
  /// cycle ending then (hour, day, shift and their combinations; a cycle outside every shift keeps
  /// a nil shift name). Which cycles are in the window is the query's filter's business: instants
  /// before the window take its first group and instants after it its last, so a cycle the filter
  /// lets in at the window's (millisecond-rounded) edge is never dropped here. Without a time
  /// dimension, or with none changing inside the window, there is one group.
  public static func timeSlicing(
    in window: DateInterval, by dimensions: some Collection<GroupDimension>, calendar: ShiftCalendar?,
    timeZone: TimeZone = .gmt
  ) -> TimeSlicing {
    let dimensions = Set(dimensions).intersection([.hour, .day, .shift])
    let clock = ZonedWallClock(zone: timeZone)
    // On the millisecond grid stored times lie on (as the filter rounds the window), built from
    // seconds since 1970 as stored times are: hour starts taken back from an instant parsed with a
    // fraction would differ from a stored cycle's by float noise (1e-7 s), and so would the keys.
    func stored(_ date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000) }
    let window = DateInterval(start: stored(window.start), end: max(stored(window.start), stored(window.end)))
    // Where the time fields may change inside the window: clock buckets' and shifts' edges.
    var cuts: Set<Date> = []
    if dimensions.contains(.hour) || dimensions.contains(.day) {
      for bucket in timeBuckets(in: window, by: dimensions.subtracting([.shift]), calendar: nil, timeZone: timeZone) {
        cuts.insert(bucket.interval.start)
      }
    }
    if dimensions.contains(.shift), let calendar {
      for shift in calendar.instances(overlapping: window) { cuts.formUnion([shift.start, shift.end]) }
    }
    let boundaries = cuts.filter { window.start < $0 && $0 < window.end }.sorted()
    var keys: [BucketKey] = []
    var groupOfKey: [BucketKey: Int] = [:]
    var groupOfGap: [Int] = []
    for start in [window.start] + boundaries {
      // Every instant of a gap has its start's time fields.
      let fact = CycleFact(
        cell: "", robot: "", station: "", line: "", endedAt: start, cycleMs: 0, outcome: .ok, idealCycleMs: 0)
      let key = Bucketing.key(for: fact, by: dimensions, calendar: calendar, clock: clock)
      if let group = groupOfKey[key] {
        groupOfGap.append(group)
      } else {
        groupOfKey[key] = keys.count
        groupOfGap.append(keys.count)
        keys.append(key)
      }
    }
    return TimeSlicing(boundaries: boundaries, groupOfGap: groupOfGap, keys: keys)
  }
}
