import Foundation
import Testing
import YieldKPI

/// The counted form of the KPIs (what a store answers instead of every cycle) gives the same rows
/// as the facts it counts: time groups, summaries and OEE.
/// An instant as the stores keep them: whole milliseconds since 1970.
func stored(_ milliseconds: Double) -> Date { Date(timeIntervalSince1970: milliseconds.rounded() / 1000) }

@Suite("Cycle tallies and time slicing")
struct CycleTallyTests {
  let berlin = TimeZone(identifier: "Europe/Berlin")!

  /// `count` cycles at pseudo-random milliseconds of `window`, made as the stores make them (every
  /// 10th on a whole hour, to hit bucket edges), with mixed outcomes, attempts, cycle times, takts,
  /// cells and robots.
  func facts(_ count: Int, in window: DateInterval, seed: UInt64) -> [CycleFact] {
    var state = seed
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    return (0..<count).map { index in
      var offsetMs = Double(next() % UInt64(window.duration * 1000))
      if index.isMultiple(of: 10) {
        let startMs = (window.start.timeIntervalSince1970 * 1000).rounded()
        offsetMs = ((startMs + offsetMs) / 3_600_000).rounded(.down) * 3_600_000 - startMs
        if offsetMs < 0 { offsetMs += 3_600_000 }
      }
      let outcome: CycleOutcome = [.ok, .ok, .ok, .nok, .aborted][Int(next() % 5)]
      return CycleFact(
        cell: "c\(next() % 3)", robot: "r\(next() % 2)", station: next() % 4 == 0 ? "front_logo" : "nut_install",
        line: "l1", endedAt: stored(window.start.timeIntervalSince1970 * 1000 + offsetMs),
        cycleMs: 60_000 + Int(next() % 30_000),
        outcome: outcome, attempts: 1 + Int(next() % 3), failureCode: outcome == .ok ? nil : .gripSlip,
        idealCycleMs: next() % 7 == 0 ? 80_000 : 76_000, modelVersion: next() % 2 == 0 ? "m1" : "m2")
    }
  }

  static let groupings: [[GroupDimension]] = [
    [], [.hour], [.day], [.shift], [.shift, .hour], [.shift, .day], [.cell, .shift], [.robot, .station, .hour],
    [.modelVersion, .line, .day],
  ]

  @Test(
    "every instant of the window gets the time fields Bucketing.key gives (DST days, shifts, hours)",
    arguments: groupings)
  func slicingAgreesWithKeys(_ dimensions: [GroupDimension]) throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    // Across the 2026-10-25 fall-back night, starting and ending off the hour.
    let window = window("2026-10-23T05:17:00.250Z", "2026-10-27T09:44:12Z")
    let slicing = Bucketing.timeSlicing(in: window, by: dimensions, calendar: calendar, timeZone: berlin)
    var checked = 0
    for fact in facts(3_000, in: window, seed: 7) {
      let expected = Bucketing.key(
        for: fact, by: dimensions.filter { [.hour, .day, .shift].contains($0) }, calendar: calendar, timeZone: berlin)
      let group = try #require(slicing.group(of: fact.endedAt))
      #expect(slicing.keys[group] == expected, "\(fact.endedAt)")
      checked += 1
    }
    #expect(checked == 3_000)
    #expect(Set(slicing.keys).count == slicing.keys.count, "one group per distinct key")
  }

  @Test("instants just outside the window keep the edge groups (the filter decides the edges)")
  func edgesExtend() throws {
    let window = window("2026-11-25T06:00:00.400Z", "2026-11-25T09:30:00Z")
    let slicing = Bucketing.timeSlicing(in: window, by: [.hour], calendar: nil)
    #expect(slicing.keys[try #require(slicing.group(of: at("2026-11-25T06:00:00Z")))].bucketStart == at("2026-11-25T06:00:00Z"))
    #expect(slicing.keys[try #require(slicing.group(of: at("2026-11-25T09:30:00Z")))].bucketStart == at("2026-11-25T09:00:00Z"))
    #expect(slicing.boundaries == [at("2026-11-25T07:00:00Z"), at("2026-11-25T08:00:00Z"), at("2026-11-25T09:00:00Z")])
    #expect(Bucketing.timeSlicing(in: window, by: [.cell], calendar: nil).boundaries.isEmpty)
  }

  @Test("bucket slicing: each bucket its own group, [start, end); time between buckets in none")
  func bucketSlicing() {
    let a = window("2026-11-25T06:00:00Z", "2026-11-25T07:00:00Z")
    let b = window("2026-11-25T07:00:00Z", "2026-11-25T08:00:00Z")
    let c = window("2026-11-25T09:00:00Z", "2026-11-25T10:00:00Z")
    let slicing = TimeSlicing(buckets: [(BucketKey(shiftName: "a"), a), (BucketKey(shiftName: "b"), b), (BucketKey(shiftName: "c"), c)])
    #expect(slicing.group(of: at("2026-11-25T05:59:59Z")) == nil)
    #expect(slicing.group(of: a.start) == 0)
    #expect(slicing.group(of: a.end) == 1, "a bucket's end is the next one's start")
    #expect(slicing.group(of: at("2026-11-25T08:30:00Z")) == nil)
    #expect(slicing.group(of: at("2026-11-25T09:59:59.999Z")) == 2)
    #expect(slicing.group(of: c.end) == nil)
    #expect(slicing.keys.map(\.shiftName) == ["a", "b", "c"])
  }

  @Test("a tally's summary equals the summary of the cycles it counted", arguments: groupings)
  func summariesAgree(_ dimensions: [GroupDimension]) throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    let window = window("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")  // spring forward inside
    let facts = facts(2_000, in: window, seed: 11)
    let slicing = Bucketing.timeSlicing(in: window, by: dimensions, calendar: calendar, timeZone: berlin)
    let tallies = CycleTally.tallies(
      of: facts, CycleTally.Grouping(slicing: slicing, columns: CycleTally.columns(for: dimensions), cycleTimePercentiles: true))
    let groups = Bucketing.groupCycles(facts, by: dimensions, calendar: calendar, timeZone: berlin)
    #expect(tallies.count == groups.count)
    for tally in tallies {
      let key = tally.key(in: slicing)
      let cycles = try #require(groups[key], "\(key)")
      #expect(YieldSummary(tally: tally) == YieldSummary(of: cycles))
    }
    #expect(tallies.reduce(0) { $0 + $1.cycles } == facts.count)
  }

  @Test("OEE from tallies by takt equals OEE from the cycles, bucket by bucket")
  func oeeAgrees() throws {
    let calendar = try threeShiftCalendar("Europe/Berlin")
    let window = window("2026-10-24T00:00:00Z", "2026-10-26T12:00:00Z")
    let facts = facts(1_500, in: window, seed: 5).filter { $0.cell == "c1" }
    let states = [state(.fault, "2026-10-24T10:00:00Z", "2026-10-24T10:20:00Z")]
    let buckets = Bucketing.timeBuckets(in: window, by: [.shift], calendar: calendar, timeZone: berlin)
    let tallies = CycleTally.tallies(
      of: facts,
      CycleTally.Grouping(slicing: TimeSlicing(buckets: buckets), columns: [.cell, .idealCycleMs], cycleTimePercentiles: false))
    let calculator = OeeCalculator(calendar: calendar)
    var compared = 0
    for (index, bucket) in buckets.enumerated() {
      let fromCycles = calculator.figures(cell: "c1", window: bucket.interval, cycles: facts, states: states)
      let fromTallies = calculator.figures(
        cell: "c1", window: bucket.interval, tallies: tallies.filter { $0.timeGroup == index }, states: states)
      #expect(fromTallies == fromCycles, "\(bucket.key)")
      if fromCycles.totalCount > 0 { compared += 1 }
    }
    #expect(compared >= 5)
  }
}
