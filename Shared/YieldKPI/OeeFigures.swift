/// One row of GET /oee: availability, performance, quality and OEE of one cell over one window,
/// with the times and counts they come from.
public struct OeeFigures: Hashable, Sendable {
  /// run_time / planned_time; nil without planned time.
  public var availability: Double?
  /// Ideal time of the counted cycles / run time, capped at 1; nil without planned or run time.
  public var performance: Double?
  /// good_count / total_count; nil without planned time or without counted cycles.
  public var quality: Double?
  /// availability × performance × quality; 0 when any factor is 0, else nil when any is nil.
  public var oee: Double?
  /// Window length minus planned stops (planned_stop states, calendar breaks, unscheduled time).
  public var plannedTimeS: Double
  /// plannedTimeS − downtimeS.
  public var runTimeS: Double
  /// Time within planned time in fault, estop, starved, blocked, idle or changeover.
  public var downtimeS: Double
  /// The takt the cycles were asked to meet: the most common `idealCycleMs` (ties: the larger);
  /// nil without counted cycles.
  public var idealCycleMs: Int?
  /// ok + nok cycles ending in the window (aborted ones are not parts).
  public var totalCount: Int
  /// ok cycles ending in the window.
  public var goodCount: Int

  /// Creates figures.
  public init(
    availability: Double?, performance: Double?, quality: Double?, oee: Double?, plannedTimeS: Double,
    runTimeS: Double, downtimeS: Double, idealCycleMs: Int?, totalCount: Int, goodCount: Int
  ) {
    self.availability = availability
    self.performance = performance
    self.quality = quality
    self.oee = oee
    self.plannedTimeS = plannedTimeS
    self.runTimeS = runTimeS
    self.downtimeS = downtimeS
    self.idealCycleMs = idealCycleMs
    self.totalCount = totalCount
    self.goodCount = goodCount
  }
}
