import Testing
import YieldKPI

@Suite("Yield summary (GET /yield row)")
struct YieldSummaryTests {
  @Test("empty bucket: zero counts, every ratio and percentile nil")
  func emptyBucket() {
    let summary = YieldSummary(of: [])
    #expect(summary.cycles == 0 && summary.ok == 0 && summary.nok == 0 && summary.aborted == 0)
    #expect(summary.yield == nil)
    #expect(summary.firstPassYield == nil)
    #expect(summary.taktCompliance == nil)
    #expect(summary.cycleMsP50 == nil && summary.cycleMsP95 == nil && summary.cycleMsMax == nil)
  }

  @Test("all aborted: counted, but yield and percentiles nil")
  func allAborted() {
    let summary = YieldSummary(of: [
      cycle("2026-11-25T06:01:00Z", .aborted, ms: 80_000, code: .estop),
      cycle("2026-11-25T06:02:00Z", .aborted, ms: 90_000, code: .feederTimeout),
      cycle("2026-11-25T06:03:00Z", .aborted, ms: 1_000),
    ])
    // cycles 3 = aborted 3; ok + nok = 0 → yield, first-pass nil; no ok → takt nil;
    // no non-aborted cycle → p50, p95, max nil.
    #expect(summary.cycles == 3 && summary.aborted == 3 && summary.ok == 0 && summary.nok == 0)
    #expect(summary.yield == nil && summary.firstPassYield == nil && summary.taktCompliance == nil)
    #expect(summary.cycleMsP50 == nil && summary.cycleMsP95 == nil && summary.cycleMsMax == nil)
  }

  @Test("first-pass yield counts only ok cycles with one attempt; aborted excluded from both")
  func firstPassVersusYield() {
    let summary = YieldSummary(of: [
      cycle("2026-11-25T06:01:00Z", .ok, attempts: 1),
      cycle("2026-11-25T06:02:00Z", .ok, attempts: 1),
      cycle("2026-11-25T06:03:00Z", .ok, attempts: 2),
      cycle("2026-11-25T06:04:00Z", .ok, attempts: 3),
      cycle("2026-11-25T06:05:00Z", .nok, attempts: 1, code: .torqueLow),
      cycle("2026-11-25T06:06:00Z", .aborted, attempts: 1, code: .estop),
    ])
    // ok 4, nok 1, aborted 1, cycles 6.
    // yield = 4 / (4 + 1) = 0.8; first pass = 2 (ok, 1 attempt) / 5 = 0.4.
    #expect(summary.cycles == 6 && summary.ok == 4 && summary.nok == 1 && summary.aborted == 1)
    #expect(close(summary.yield, 0.8))
    #expect(close(summary.firstPassYield, 0.4))
  }

  @Test("takt compliance: ok cycles at or under ideal_cycle_ms; percentiles skip aborted")
  func taktCompliance() {
    let summary = YieldSummary(of: [
      cycle("2026-11-25T06:01:00Z", .ok, ms: 70_000, ideal: 76_000),
      cycle("2026-11-25T06:02:00Z", .ok, ms: 76_000, ideal: 76_000),  // equal: compliant
      cycle("2026-11-25T06:03:00Z", .ok, ms: 76_001, ideal: 76_000),  // 1 ms over takt
      cycle("2026-11-25T06:04:00Z", .ok, ms: 90_000, ideal: 76_000),
      cycle("2026-11-25T06:05:00Z", .nok, ms: 60_000, code: .crossThread, ideal: 76_000),  // nok: not in takt
      cycle("2026-11-25T06:06:00Z", .aborted, ms: 200_000, code: .estop, ideal: 76_000),  // not in percentiles
    ])
    // takt: 2 of 4 ok cycles ≤ 76 000 → 0.5.
    #expect(close(summary.taktCompliance, 0.5))
    // Non-aborted sorted: 60 000, 70 000, 76 000, 76 001, 90 000 (n = 5).
    // p50: ⌈2.5⌉ = 3 → 76 000; p95: ⌈4.75⌉ = 5 → 90 000; max 90 000 (the aborted 200 000 is ignored).
    #expect(summary.cycleMsP50 == 76_000)
    #expect(summary.cycleMsP95 == 90_000)
    #expect(summary.cycleMsMax == 90_000)
  }

  @Test("all ok over takt: compliance 0, not nil")
  func allOverTakt() {
    let summary = YieldSummary(of: [
      cycle("2026-11-25T06:01:00Z", .ok, ms: 80_000, ideal: 76_000),
      cycle("2026-11-25T06:02:00Z", .ok, ms: 77_000, ideal: 76_000),
    ])
    // 0 of 2 ok cycles within takt; yield 2 / 2 = 1.
    #expect(summary.taktCompliance == 0)
    #expect(summary.yield == 1)
  }

  @Test("only nok: yield 0, takt nil")
  func onlyNok() {
    let summary = YieldSummary(of: [cycle("2026-11-25T06:01:00Z", .nok, ms: 50_000, code: .gripSlip)])
    // 0 / (0 + 1) = 0; no ok cycle → takt nil; p50 = p95 = max = 50 000.
    #expect(summary.yield == 0 && summary.firstPassYield == 0)
    #expect(summary.taktCompliance == nil)
    #expect(summary.cycleMsP50 == 50_000 && summary.cycleMsP95 == 50_000 && summary.cycleMsMax == 50_000)
  }
}
