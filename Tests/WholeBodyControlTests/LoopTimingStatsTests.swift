import Testing
@testable import WholeBodyControl

@Suite("loop timing statistics")
struct LoopTimingStatsTests {
  @Test("a steady 1 kHz loop: every quantile is the period, no overruns")
  func steady() {
    var stats = LoopTimingStats()
    for i in 0..<1001 { stats.record(tickAtNanoseconds: UInt64(i) * 1_000_000) }
    #expect(stats.periodCount == 1000)
    #expect(stats.p50PeriodNanoseconds == 1_010_000, "upper edge of the 1.00–1.01 ms bin")
    #expect(stats.p999PeriodNanoseconds == 1_010_000)
    #expect(stats.jitterQuantileNanoseconds(0.99) == 10_000)
    #expect(stats.overrunCount == 0)
    #expect(stats.meanPeriodNanoseconds == 1_000_000)
  }

  @Test("jitter and overruns show in the tail quantiles")
  func tail() {
    var stats = LoopTimingStats()
    var t: UInt64 = 0
    stats.record(tickAtNanoseconds: t)
    for i in 0..<10_000 {
      // 1 % of ticks 2.5 ms late (an overrun), 10 % early-late by 50 µs.
      let period: UInt64 = i % 100 == 0 ? 3_500_000 : (i % 10 == 0 ? 1_050_000 : 1_000_000)
      t += period
      stats.record(tickAtNanoseconds: t)
    }
    #expect(stats.overrunCount == 100)
    #expect(stats.p50PeriodNanoseconds == 1_010_000)
    #expect(stats.periodQuantileNanoseconds(0.95) == 1_060_000)
    #expect(stats.p999PeriodNanoseconds == 3_510_000)
    #expect(stats.maximumPeriodNanoseconds == 3_500_000)
    #expect(stats.minimumPeriodNanoseconds == 1_000_000)
  }

  @Test("periods past the histogram land in the last bin and report the maximum; reset forgets")
  func overflowAndReset() {
    var stats = LoopTimingStats(binCount: 10)
    stats.record(tickAtNanoseconds: 0)
    stats.record(tickAtNanoseconds: 50_000_000)
    #expect(stats.p50PeriodNanoseconds == 50_000_000)
    #expect(stats.overrunCount == 1)
    stats.reset()
    #expect(stats.periodCount == 0 && stats.p99PeriodNanoseconds == 0)
    stats.record(tickAtNanoseconds: 100)
    #expect(stats.periodCount == 0, "the first tick after a reset only starts the count")
  }
}
