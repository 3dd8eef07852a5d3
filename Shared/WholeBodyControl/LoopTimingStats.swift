/// Timing of a fixed-rate loop from its tick timestamps: histograms of the period and of the
/// jitter (|period − nominal|), quantiles from them, and overruns (a period longer than nominal
/// plus the threshold). Pure, fixed memory: `record` never allocates, so the 1 kHz loop can feed
/// it and the service export it as metrics.
public struct LoopTimingStats: Sendable, Hashable {
  /// The loop's intended period, nanoseconds.
  public let nominalPeriodNanoseconds: UInt64
  /// Histogram bin width, nanoseconds.
  public let binWidthNanoseconds: UInt64
  /// A period longer than nominal by more than this is an overrun, nanoseconds.
  public let overrunThresholdNanoseconds: UInt64
  /// Period histogram: bin i counts periods in [i·w, (i+1)·w); the last bin counts everything above.
  public private(set) var periodCounts: [UInt64]
  /// Jitter histogram, same bins over |period − nominal|.
  public private(set) var jitterCounts: [UInt64]
  /// Periods recorded.
  public private(set) var periodCount: UInt64 = 0
  /// Periods longer than nominal + threshold.
  public private(set) var overrunCount: UInt64 = 0
  /// Shortest period seen, nanoseconds (0 before the first).
  public private(set) var minimumPeriodNanoseconds: UInt64 = 0
  /// Longest period seen, nanoseconds.
  public private(set) var maximumPeriodNanoseconds: UInt64 = 0
  /// Sum of the periods, nanoseconds (for the mean).
  public private(set) var totalPeriodNanoseconds: UInt64 = 0
  private var lastTickNanoseconds: UInt64?

  /// Empty statistics. The histograms span `binCount × binWidthNanoseconds`; the defaults give
  /// 10 µs bins up to 5 ms for a 1 kHz loop, overruns past 1.5 ms.
  public init(
    nominalPeriodNanoseconds: UInt64 = 1_000_000, binWidthNanoseconds: UInt64 = 10_000, binCount: Int = 500,
    overrunThresholdNanoseconds: UInt64? = nil
  ) {
    self.nominalPeriodNanoseconds = nominalPeriodNanoseconds
    self.binWidthNanoseconds = max(binWidthNanoseconds, 1)
    self.overrunThresholdNanoseconds = overrunThresholdNanoseconds ?? nominalPeriodNanoseconds / 2
    periodCounts = [UInt64](repeating: 0, count: max(binCount, 2))
    jitterCounts = periodCounts
  }

  /// Records a tick at `tickAtNanoseconds` (monotonic); the first tick only starts the count.
  public mutating func record(tickAtNanoseconds: UInt64) {
    defer { lastTickNanoseconds = tickAtNanoseconds }
    guard let last = lastTickNanoseconds, tickAtNanoseconds >= last else { return }
    let period = tickAtNanoseconds - last
    let jitter =
      period > nominalPeriodNanoseconds ? period - nominalPeriodNanoseconds : nominalPeriodNanoseconds - period
    periodCounts[bin(period)] += 1
    jitterCounts[bin(jitter)] += 1
    minimumPeriodNanoseconds = periodCount == 0 ? period : min(minimumPeriodNanoseconds, period)
    maximumPeriodNanoseconds = max(maximumPeriodNanoseconds, period)
    periodCount += 1
    totalPeriodNanoseconds &+= period
    if period > nominalPeriodNanoseconds + overrunThresholdNanoseconds { overrunCount += 1 }
  }

  /// Forgets everything (e.g. after a pause the loop did not control).
  public mutating func reset() {
    for i in periodCounts.indices {
      periodCounts[i] = 0
      jitterCounts[i] = 0
    }
    periodCount = 0
    overrunCount = 0
    minimumPeriodNanoseconds = 0
    maximumPeriodNanoseconds = 0
    totalPeriodNanoseconds = 0
    lastTickNanoseconds = nil
  }

  /// The period at quantile `q` ∈ [0, 1] (upper edge of its bin), nanoseconds; 0 when empty.
  public func periodQuantileNanoseconds(_ q: Double) -> UInt64 { quantile(q, of: periodCounts) }

  /// The jitter at quantile `q` ∈ [0, 1] (upper edge of its bin), nanoseconds; 0 when empty.
  public func jitterQuantileNanoseconds(_ q: Double) -> UInt64 { quantile(q, of: jitterCounts) }

  /// Median period, nanoseconds.
  public var p50PeriodNanoseconds: UInt64 { periodQuantileNanoseconds(0.5) }
  /// 99th-percentile period, nanoseconds.
  public var p99PeriodNanoseconds: UInt64 { periodQuantileNanoseconds(0.99) }
  /// 99.9th-percentile period, nanoseconds.
  public var p999PeriodNanoseconds: UInt64 { periodQuantileNanoseconds(0.999) }
  /// Mean period, nanoseconds; 0 when empty.
  public var meanPeriodNanoseconds: Double {
    periodCount == 0 ? 0 : Double(totalPeriodNanoseconds) / Double(periodCount)
  }

  private func bin(_ value: UInt64) -> Int { Int(min(value / binWidthNanoseconds, UInt64(periodCounts.count - 1))) }

  private func quantile(_ q: Double, of counts: [UInt64]) -> UInt64 {
    guard periodCount > 0 else { return 0 }
    let rank = UInt64((min(max(q, 0), 1) * Double(periodCount)).rounded(.up))
    var seen: UInt64 = 0
    // An index loop: the control loop publishes these every second, and `enumerated()` allocates
    // per element in an unoptimised build (TickAllocationTests).
    for i in 0..<counts.count {
      seen += counts[i]
      if seen >= max(rank, 1) {
        return i == counts.count - 1 ? maximumPeriodNanoseconds : UInt64(i + 1) * binWidthNanoseconds
      }
    }
    return maximumPeriodNanoseconds
  }
}
