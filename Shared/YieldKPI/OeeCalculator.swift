import Foundation

/// Computes OEE (ISO 22400-2, as docs/yield-api.md defines it) for one cell over one window from its
/// cycles and state intervals.
///
/// - Planned stops are the union of the cell's `planned_stop` intervals, the calendar's breaks and
///   (by default) time outside every shift, clipped to the window, so overlaps count once.
/// - Downtime is the union of the cell's downtime-state intervals (cell-level and every robot's
///   alike: the cell is down while any of them reports a downtime state), clipped to the window,
///   minus planned stops. Time without any state event counts as running.
/// - Performance weighs each counted cycle by its own `idealCycleMs` (Σ ideal / run time), which is
///   the API's `ideal_cycle_ms × total_count / run_time_ms` whenever the cycles share one takt and
///   stays right when the takt changes inside the window.
public struct OeeCalculator: Sendable {
  /// Choices the API page leaves open.
  public struct Config: Hashable, Sendable {
    /// Whether time in the window outside every shift of the calendar is a planned stop
    /// (ISO 22400: only scheduled time is planned). Ignored without a calendar.
    public var unscheduledTimeIsPlannedStop: Bool

    /// Creates a configuration.
    public init(unscheduledTimeIsPlannedStop: Bool) {
      self.unscheduledTimeIsPlannedStop = unscheduledTimeIsPlannedStop
    }

    /// Unscheduled time is a planned stop.
    public static var defaults: Self { Self(unscheduledTimeIsPlannedStop: true) }
  }

  /// The plant's shift calendar, whose breaks are planned stops; nil for none.
  public var calendar: ShiftCalendar?
  /// The choices in use.
  public var config: Config

  /// Creates a calculator.
  public init(calendar: ShiftCalendar?, config: Config = .defaults) {
    self.calendar = calendar
    self.config = config
  }

  /// OEE of `cell` over `window` ([start, end)). Cycles count when they belong to `cell` and their
  /// `endedAt` lies in the window; state intervals count for the part of them inside the window.
  /// Records of other cells are ignored, so the caller may pass a whole query's records.
  public func figures(
    cell: String, window: DateInterval, cycles: some Sequence<CycleFact>, states: some Sequence<StateInterval>
  ) -> OeeFigures {
    let (plannedTimeS, downtimeS) = plannedAndDowntime(cell: cell, window: window, states: states)
    let counts = CycleCounts(cycles: cycles.lazy.filter { cycle in
      cycle.cell == cell && window.start <= cycle.endedAt && cycle.endedAt < window.end
    })
    return figures(window: window, plannedTimeS: plannedTimeS, downtimeS: downtimeS, counts: counts)
  }

  /// Planned time and downtime of `cell` in `window`, in seconds.
  func plannedAndDowntime(cell: String, window: DateInterval, states: some Sequence<StateInterval>)
    -> (plannedTimeS: Double, downtimeS: Double)
  {
    let cellStates = states.filter { $0.cell == cell }
    var plannedStopSpans = cellStates.filter { $0.state == .plannedStop }.map { (start: $0.startedAt, end: $0.endedAt) }
    if let calendar {
      plannedStopSpans += calendar.plannedBreaks(overlapping: window).map { (start: $0.start, end: $0.end) }
      if config.unscheduledTimeIsPlannedStop {
        let scheduled = IntervalUnion(calendar.instances(overlapping: window).map { (start: $0.start, end: $0.end) })
        let unscheduled = IntervalUnion([(start: window.start, end: window.end)]).subtracting(scheduled)
        plannedStopSpans += unscheduled.spans.map {
          (start: Date(timeIntervalSince1970: $0.start), end: Date(timeIntervalSince1970: $0.end))
        }
      }
    }
    let plannedStops = IntervalUnion(plannedStopSpans).clipped(to: window)
    let downtime = IntervalUnion(cellStates.filter(\.state.isDowntime).map { (start: $0.startedAt, end: $0.endedAt) })
      .clipped(to: window)
      .subtracting(plannedStops)

    let plannedTimeS = max(0, window.duration - plannedStops.totalSeconds)
    let downtimeS = min(downtime.totalSeconds, plannedTimeS)
    return (plannedTimeS, downtimeS)
  }

  /// OEE of `cell` over `window` from its cycles counted by the store (``CycleTally``s of this cell,
  /// window and takt; their time group and other fields are not looked at).
  public func figures(
    cell: String, window: DateInterval, tallies: some Sequence<CycleTally>, states: some Sequence<StateInterval>
  ) -> OeeFigures {
    let (plannedTimeS, downtimeS) = plannedAndDowntime(cell: cell, window: window, states: states)
    return figures(window: window, plannedTimeS: plannedTimeS, downtimeS: downtimeS, counts: CycleCounts(tallies: tallies))
  }

  /// The parts of OEE that come from the cycles: counted (not aborted) and good cycles, and the
  /// ideal time they stand for.
  struct CycleCounts {
    var totalCount = 0
    var goodCount = 0
    var idealSumMs = 0.0
    var idealCounts: [Int: Int] = [:]

    init(cycles: some Sequence<CycleFact>) {
      for cycle in cycles where cycle.outcome != .aborted {
        totalCount += 1
        if cycle.outcome == .ok { goodCount += 1 }
        idealSumMs += Double(cycle.idealCycleMs)
        idealCounts[cycle.idealCycleMs, default: 0] += 1
      }
    }

    /// From tallies grouped by takt (`idealCycleMs` set): the same sums, exactly (whole
    /// milliseconds add up exactly in a Double far beyond any window's cycles).
    init(tallies: some Sequence<CycleTally>) {
      for tally in tallies {
        let counted = tally.ok + tally.nok
        guard counted > 0, let ideal = tally.idealCycleMs else { continue }
        totalCount += counted
        goodCount += tally.ok
        idealSumMs += Double(ideal) * Double(counted)
        idealCounts[ideal, default: 0] += counted
      }
    }
  }

  func figures(window: DateInterval, plannedTimeS: Double, downtimeS: Double, counts: CycleCounts) -> OeeFigures {
    let runTimeS = plannedTimeS - downtimeS
    let goodCount = counts.goodCount
    let totalCount = counts.totalCount
    let idealSumMs = counts.idealSumMs
    let idealCycleMs = counts.idealCounts.max { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }?.key

    guard plannedTimeS > 0 else {
      return OeeFigures(
        availability: nil, performance: nil, quality: nil, oee: nil, plannedTimeS: 0, runTimeS: 0,
        downtimeS: 0, idealCycleMs: idealCycleMs, totalCount: totalCount, goodCount: goodCount,
        idealTimeS: idealSumMs / 1000)
    }
    let availability = runTimeS / plannedTimeS
    let performance = runTimeS > 0 ? min(1, idealSumMs / (runTimeS * 1000)) : nil
    let quality = totalCount > 0 ? Double(goodCount) / Double(totalCount) : nil
    return OeeFigures(
      availability: availability, performance: performance, quality: quality,
      oee: Self.product(availability, performance, quality), plannedTimeS: plannedTimeS, runTimeS: runTimeS,
      downtimeS: downtimeS, idealCycleMs: idealCycleMs, totalCount: totalCount, goodCount: goodCount,
      idealTimeS: idealSumMs / 1000)
  }

  /// availability × performance × quality: 0 when any factor is 0, else nil when any is nil.
  static func product(_ availability: Double?, _ performance: Double?, _ quality: Double?) -> Double? {
    let factors = [availability, performance, quality]
    return factors.contains(0) ? 0 : factors.allSatisfy { $0 != nil } ? factors.reduce(1) { $0 * $1! } : nil
  }
}
