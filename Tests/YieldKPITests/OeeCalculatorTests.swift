import Foundation
import Testing
import YieldKPI

@Suite("OEE per cell and window")
struct OeeCalculatorTests {
  let earlyShift = window("2026-11-25T06:00:00Z", "2026-11-25T14:00:00Z")

  /// `count` cycles ending one per minute from 06:01, the first `ok` of them ok, the rest nok.
  func cycles(_ count: Int, ok: Int, ideal: Int, cell: String = "c1") -> [CycleFact] {
    (0..<count).map { index in
      var fact = cycle("2026-11-25T06:01:00Z", index < ok ? .ok : .nok, ideal: ideal, cell: cell)
      fact.endedAt = fact.endedAt.addingTimeInterval(Double(index) * 60)
      return fact
    }
  }

  @Test("8 h shift with 2 × 15 min breaks: planned 27 000 s")
  func breaksArePlannedStops() throws {
    let calculator = OeeCalculator(calendar: try threeShiftCalendar("UTC"))
    let figures = calculator.figures(
      cell: "c1", window: earlyShift, cycles: cycles(270, ok: 243, ideal: 90_000), states: [])
    // planned = 8 h − 2 × 15 min = 28 800 − 1 800 = 27 000 s; no downtime → run 27 000 s.
    #expect(figures.plannedTimeS == 27_000)
    #expect(figures.downtimeS == 0)
    #expect(figures.runTimeS == 27_000)
    // availability 1; performance = 90 000 ms × 270 / 27 000 000 ms = 0.9; quality 243 / 270 = 0.9;
    // oee = 1 × 0.9 × 0.9 = 0.81.
    #expect(figures.availability == 1)
    #expect(close(figures.performance, 0.9))
    #expect(close(figures.quality, 0.9))
    #expect(close(figures.oee, 0.81))
    #expect(figures.idealCycleMs == 90_000 && figures.totalCount == 270 && figures.goodCount == 243)
  }

  @Test("a planned_stop state overlapping a break is not counted twice")
  func plannedStopAndBreakUnion() throws {
    let calculator = OeeCalculator(calendar: try threeShiftCalendar("UTC"))
    let figures = calculator.figures(
      cell: "c1", window: earlyShift, cycles: [],
      states: [
        state(.plannedStop, "2026-11-25T08:50:00Z", "2026-11-25T09:10:00Z"),
        // Fault partly inside the planned stop: only 09:15–09:30 is downtime.
        state(.fault, "2026-11-25T09:10:00Z", "2026-11-25T09:30:00Z"),
      ])
    // Planned stops: 08:50–09:10 ∪ break 09:00–09:15 = 08:50–09:15 (25 min) + break 12:00–12:15 (15 min)
    // = 40 min = 2 400 s (not 20 + 15 + 15 = 50 min) → planned = 28 800 − 2 400 = 26 400 s.
    #expect(figures.plannedTimeS == 26_400)
    // downtime = 09:15–09:30 = 900 s; run = 26 400 − 900 = 25 500 s; availability = 25 500 / 26 400.
    #expect(figures.downtimeS == 900)
    #expect(figures.runTimeS == 25_500)
    #expect(close(figures.availability, 25_500.0 / 26_400.0))
    // No cycles: performance 0 / 25 500 s = 0, quality nil → oee 0 (a zero factor decides).
    #expect(figures.performance == 0)
    #expect(figures.quality == nil)
    #expect(figures.oee == 0)
    #expect(figures.idealCycleMs == nil && figures.totalCount == 0 && figures.goodCount == 0)
  }

  @Test("downtime is clipped to the window and robot intervals of the cell are unioned")
  func downtimeClipped() {
    let calculator = OeeCalculator(calendar: nil)
    let figures = calculator.figures(
      cell: "c1", window: earlyShift, cycles: [],
      states: [
        state(.fault, "2026-11-25T05:00:00Z", "2026-11-25T06:30:00Z"),  // 06:00–06:30 inside: 1 800 s
        state(.estop, "2026-11-25T13:45:00Z", "2026-11-25T15:00:00Z"),  // 13:45–14:00 inside: 900 s
        state(.blocked, "2026-11-25T07:00:00Z", "2026-11-25T07:20:00Z", robot: "r1"),
        state(.starved, "2026-11-25T07:10:00Z", "2026-11-25T07:30:00Z", robot: "r2"),  // ∪ = 07:00–07:30: 1 800 s
        state(.producing, "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z"),  // not downtime
        state(.fault, "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z", cell: "c2"),  // another cell
        state(.idle, "2026-11-25T12:00:00Z", "2026-11-25T11:00:00Z"),  // inverted: no time
      ])
    // planned 28 800 s (no calendar, no planned_stop); downtime 1 800 + 900 + 1 800 = 4 500 s;
    // run 24 300 s; availability 24 300 / 28 800 = 0.84375.
    #expect(figures.plannedTimeS == 28_800)
    #expect(figures.downtimeS == 4_500)
    #expect(figures.runTimeS == 24_300)
    #expect(figures.availability == 0.84375)
  }

  @Test("performance is capped at 1")
  func performanceCapped() {
    let calculator = OeeCalculator(calendar: nil)
    let hour = window("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
    let figures = calculator.figures(cell: "c1", window: hour, cycles: cycles(59, ok: 59, ideal: 76_000), states: [])
    // 76 000 ms × 59 = 4 484 000 ms > 3 600 000 ms run → 1.245… → capped at 1; oee = 1 × 1 × 1.
    #expect(figures.performance == 1)
    #expect(figures.oee == 1)
  }

  @Test("no planned time: every ratio nil, counts still reported")
  func noPlannedTime() throws {
    let hour = window("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
    let stopped = OeeCalculator(calendar: nil).figures(
      cell: "c1", window: hour, cycles: [cycle("2026-11-25T06:30:00Z")],
      states: [state(.plannedStop, "2026-11-25T05:00:00Z", "2026-11-25T08:00:00Z")])
    #expect(stopped.plannedTimeS == 0 && stopped.runTimeS == 0 && stopped.downtimeS == 0)
    #expect(stopped.availability == nil && stopped.performance == nil && stopped.quality == nil && stopped.oee == nil)
    #expect(stopped.totalCount == 1 && stopped.goodCount == 1 && stopped.idealCycleMs == 76_000)

    // 22:00–06:00 with only a day shift in the calendar: all unscheduled → planned 0.
    let dayOnly = try ShiftCalendar(
      timeZoneIdentifier: "UTC", shifts: [ShiftDefinition(name: "day", start: tod("06:00"), end: tod("22:00"))])
    let night = OeeCalculator(calendar: dayOnly).figures(
      cell: "c1", window: window("2026-11-25T22:00:00Z", "2026-11-26T06:00:00Z"), cycles: [], states: [])
    #expect(night.plannedTimeS == 0 && night.oee == nil)
  }

  @Test("unscheduled time counts as planned stop by default; configurable")
  func unscheduledTime() throws {
    let earlyOnly = try ShiftCalendar(
      timeZoneIdentifier: "UTC",
      shifts: [
        ShiftDefinition(
          name: "early", start: tod("06:00"), end: tod("14:00"),
          breaks: [
            PlannedBreak(start: tod("09:00"), end: tod("09:15")), PlannedBreak(start: tod("12:00"), end: tod("12:15")),
          ])
      ])
    let day = window("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z")
    // Default: only 06:00–14:00 is scheduled → planned 27 000 s as for the shift alone.
    #expect(
      OeeCalculator(calendar: earlyOnly).figures(cell: "c1", window: day, cycles: [], states: []).plannedTimeS
        == 27_000)
    // Literal reading: 86 400 − 2 × 900 = 84 600 s.
    let literal = OeeCalculator(calendar: earlyOnly, config: .init(unscheduledTimeIsPlannedStop: false))
    #expect(literal.figures(cell: "c1", window: day, cycles: [], states: []).plannedTimeS == 84_600)
  }

  @Test("DST night shifts: 7 h and 9 h minus the 30 min break")
  func dstNightPlannedTime() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    let calculator = OeeCalculator(calendar: calendar)
    let spring = try #require(calendar.shift(containing: at("2026-03-29T01:00:00Z")))
    let autumn = try #require(calendar.shift(containing: at("2026-10-25T02:00:00Z")))
    // 25 200 − 1 800 = 23 400 s; 32 400 − 1 800 = 30 600 s.
    #expect(calculator.figures(cell: "c1", window: spring.interval, cycles: [], states: []).plannedTimeS == 23_400)
    #expect(calculator.figures(cell: "c1", window: autumn.interval, cycles: [], states: []).plannedTimeS == 30_600)
  }

  @Test("idle the whole window: availability 0, performance nil, oee 0")
  func allDown() {
    let figures = OeeCalculator(calendar: nil).figures(
      cell: "c1", window: earlyShift, cycles: [],
      states: [state(.idle, "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z")])
    // downtime 28 800 s = planned → run 0; performance undefined (÷ 0) → nil; availability 0 → oee 0.
    #expect(figures.downtimeS == 28_800 && figures.runTimeS == 0)
    #expect(figures.availability == 0 && figures.performance == nil && figures.oee == 0)
  }

  @Test("cycles: only this cell, ended in [from, to), aborted not counted; ideal is the mode")
  func cycleSelection() {
    let hour = window("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
    let figures = OeeCalculator(calendar: nil).figures(
      cell: "c1", window: hour,
      cycles: [
        cycle("2026-11-25T06:00:00Z", .ok, ideal: 76_000),  // at from: in
        cycle("2026-11-25T06:10:00Z", .ok, ideal: 76_000),
        cycle("2026-11-25T06:20:00Z", .nok, code: .torqueHigh, ideal: 70_000),
        cycle("2026-11-25T06:30:00Z", .aborted, code: .estop, ideal: 60_000),  // not a part
        cycle("2026-11-25T07:00:00Z", .ok, ideal: 76_000),  // at to: out
        cycle("2026-11-25T06:40:00Z", .ok, ideal: 76_000, cell: "c2"),  // other cell
      ],
      states: [])
    // total 3 (2 ok + 1 nok), good 2 → quality 2/3; ideal mode 76 000 (twice vs. 70 000 once).
    // performance = (76 000 + 76 000 + 70 000) ms / 3 600 000 ms = 222 000 / 3 600 000 = 0.061666…
    #expect(figures.totalCount == 3 && figures.goodCount == 2)
    #expect(close(figures.quality, 2.0 / 3.0))
    #expect(figures.idealCycleMs == 76_000)
    #expect(close(figures.performance, 222_000.0 / 3_600_000.0))
    // oee = 1 × 0.061666… × 2/3 = 0.041111…
    #expect(close(figures.oee, 222_000.0 / 3_600_000.0 * 2.0 / 3.0))
  }
}
