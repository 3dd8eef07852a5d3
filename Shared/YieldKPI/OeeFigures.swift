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
  /// Σ `idealCycleMs` of the counted cycles, in seconds: performance's numerator, kept so rows of
  /// several cells or windows combine exactly (``combined(_:)``).
  public var idealTimeS: Double

  /// Creates figures.
  public init(
    availability: Double?, performance: Double?, quality: Double?, oee: Double?, plannedTimeS: Double,
    runTimeS: Double, downtimeS: Double, idealCycleMs: Int?, totalCount: Int, goodCount: Int,
    idealTimeS: Double = 0
  ) {
    self.idealTimeS = idealTimeS
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

extension OeeFigures {
  /// The figures of several cells or windows together: times, counts and ideal time add up and
  /// the ratios are recomputed from the sums (not averaged), so a big cell weighs more than a small
  /// one. `idealCycleMs` is the one most cycles were asked to meet (ties: the larger).
  public static func combined(_ parts: [OeeFigures]) -> OeeFigures {
    if parts.count == 1 { return parts[0] }
    let plannedTimeS = parts.reduce(0) { $0 + $1.plannedTimeS }
    let runTimeS = parts.reduce(0) { $0 + $1.runTimeS }
    let downtimeS = parts.reduce(0) { $0 + $1.downtimeS }
    let totalCount = parts.reduce(0) { $0 + $1.totalCount }
    let goodCount = parts.reduce(0) { $0 + $1.goodCount }
    let idealTimeS = parts.reduce(0) { $0 + $1.idealTimeS }
    var idealCounts: [Int: Int] = [:]
    for part in parts { if let ideal = part.idealCycleMs { idealCounts[ideal, default: 0] += part.totalCount } }
    let idealCycleMs = idealCounts.max { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }?.key
    guard plannedTimeS > 0 else {
      return OeeFigures(
        availability: nil, performance: nil, quality: nil, oee: nil, plannedTimeS: 0, runTimeS: 0, downtimeS: 0,
        idealCycleMs: idealCycleMs, totalCount: totalCount, goodCount: goodCount, idealTimeS: idealTimeS)
    }
    let availability = runTimeS / plannedTimeS
    let performance = runTimeS > 0 ? min(1, idealTimeS / runTimeS) : nil
    let quality = totalCount > 0 ? Double(goodCount) / Double(totalCount) : nil
    return OeeFigures(
      availability: availability, performance: performance, quality: quality,
      oee: OeeCalculator.product(availability, performance, quality), plannedTimeS: plannedTimeS,
      runTimeS: runTimeS, downtimeS: downtimeS, idealCycleMs: idealCycleMs, totalCount: totalCount,
      goodCount: goodCount, idealTimeS: idealTimeS)
  }
}
