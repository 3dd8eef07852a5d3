import Testing

@testable import YieldKPI

@Suite struct WilsonIntervalTests {
  /// Reference values from the closed form (e.g. R's prop.test without continuity correction:
  /// 81 of 263 → 0.2553–0.3662; 0 of 10 → 0–0.2775; 995 of 1000 → 0.9884–0.9979).
  @Test(arguments: [
    (81, 263, 0.2553, 0.3662), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (995, 1000, 0.9884, 0.9979),
  ])
  func matchesTheClosedForm(successes: Int, trials: Int, low: Double, high: Double) throws {
    let interval = try #require(WilsonInterval(successes: successes, trials: trials))
    #expect(abs(interval.low - low) < 0.0005)
    #expect(abs(interval.high - high) < 0.0005)
  }

  @Test func containsTheProportionAndNarrowsWithMoreTrials() throws {
    let small = try #require(WilsonInterval(successes: 90, trials: 100))
    let large = try #require(WilsonInterval(successes: 9000, trials: 10000))
    #expect(small.low < 0.9 && 0.9 < small.high)
    #expect(large.low < 0.9 && 0.9 < large.high)
    #expect(large.high - large.low < small.high - small.low)
  }

  @Test func noTrialsNoInterval() {
    #expect(WilsonInterval(successes: 0, trials: 0) == nil)
    #expect(WilsonInterval(successes: 3, trials: 2) == nil)
  }
}
