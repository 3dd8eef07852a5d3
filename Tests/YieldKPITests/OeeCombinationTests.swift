import Foundation
import Testing
import YieldKPI

@Suite("OEE of several cells or windows")
struct OeeCombinationTests {
  @Test("sums times, counts and ideal time, then recomputes the ratios (a big cell weighs more)")
  func combinesBySums() {
    // Cell A: 8 h planned, 1 h down, 300 parts of 76 s, 290 good.
    let a = OeeFigures(
      availability: 7.0 / 8, performance: 300 * 76 / 25_200, quality: 290.0 / 300, oee: nil, plannedTimeS: 28_800,
      runTimeS: 25_200, downtimeS: 3_600, idealCycleMs: 76_000, totalCount: 300, goodCount: 290, idealTimeS: 22_800)
    // Cell B: 4 h planned, no downtime, 100 parts of 60 s, all good.
    let b = OeeFigures(
      availability: 1, performance: 6_000.0 / 14_400, quality: 1, oee: nil, plannedTimeS: 14_400, runTimeS: 14_400,
      downtimeS: 0, idealCycleMs: 60_000, totalCount: 100, goodCount: 100, idealTimeS: 6_000)
    let both = OeeFigures.combined([a, b])
    #expect(both.plannedTimeS == 43_200)
    #expect(both.runTimeS == 39_600)
    #expect(both.downtimeS == 3_600)
    #expect(both.totalCount == 400 && both.goodCount == 390)
    #expect(both.availability == 39_600.0 / 43_200)
    #expect(both.performance == 28_800.0 / 39_600)
    #expect(both.quality == 390.0 / 400)
    let expected = (39_600.0 / 43_200) * (28_800.0 / 39_600) * (390.0 / 400)
    #expect(abs(both.oee! - expected) < 1e-12)
    #expect(both.idealCycleMs == 76_000, "the takt most parts were asked to meet")
  }

  @Test("no planned time anywhere: nulls, counts kept")
  func nothingPlanned() {
    let empty = OeeFigures(
      availability: nil, performance: nil, quality: nil, oee: nil, plannedTimeS: 0, runTimeS: 0, downtimeS: 0,
      idealCycleMs: 76_000, totalCount: 3, goodCount: 2, idealTimeS: 228)
    let both = OeeFigures.combined([empty, empty])
    #expect(both.availability == nil && both.oee == nil)
    #expect(both.totalCount == 6 && both.goodCount == 4)
  }

  @Test("the calculator reports the ideal time it used")
  func calculatorIdealTime() {
    let window = DateInterval(start: Date(timeIntervalSince1970: 1_790_000_000), duration: 3600)
    let cycles = (0..<10).map { n in
      CycleFact(
        cell: "c", robot: "r", station: "s", line: "l", endedAt: window.start.addingTimeInterval(Double(n) * 60 + 1),
        cycleMs: 70_000, outcome: n == 9 ? .aborted : .ok, idealCycleMs: 76_000)
    }
    let figures = OeeCalculator(calendar: nil).figures(
      cell: "c", window: window, cycles: cycles, states: [StateInterval]())
    #expect(figures.idealTimeS == 9 * 76)
    #expect(figures.performance == 9 * 76 / 3600.0)
  }
}
