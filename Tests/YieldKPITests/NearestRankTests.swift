import Testing
import YieldKPI

@Suite("Nearest-rank percentiles: rank = ⌈p × n⌉, 1-based")
struct NearestRankTests {
  @Test("no values: nil")
  func empty() {
    #expect(NearestRank.percentile(0.5, of: [Int]()) == nil)
    #expect(NearestRank.percentile(0.95, of: [Int]()) == nil)
  }

  @Test("n = 1: every percentile is the value")
  func one() {
    // p50: ⌈0.5 × 1⌉ = 1 → 42; p95: ⌈0.95 × 1⌉ = 1 → 42.
    #expect(NearestRank.percentile(0.5, of: [42]) == 42)
    #expect(NearestRank.percentile(0.95, of: [42]) == 42)
  }

  @Test("n = 2: p50 is the lower value, p95 the upper")
  func two() {
    // p50: ⌈0.5 × 2⌉ = 1 → 10 (no interpolation to 15); p95: ⌈1.9⌉ = 2 → 20.
    #expect(NearestRank.percentile(0.5, of: [10, 20]) == 10)
    #expect(NearestRank.percentile(0.95, of: [10, 20]) == 20)
  }

  @Test("n = 10")
  func ten() {
    let values = (1...10).map { $0 * 10 }  // 10, 20, …, 100
    // p50: ⌈5⌉ = 5 → 50; p95: ⌈9.5⌉ = 10 → 100.
    #expect(NearestRank.percentile(0.5, of: values) == 50)
    #expect(NearestRank.percentile(0.95, of: values) == 100)
  }

  @Test("n = 20, values 1…20")
  func twenty() {
    let values = Array(1...20)
    // p50: ⌈10⌉ = 10 → 10; p95: ⌈19⌉ = 19 → 19 (not 20: 0.95 × 20 is exactly 19).
    #expect(NearestRank.percentile(0.5, of: values) == 10)
    #expect(NearestRank.percentile(0.95, of: values) == 19)
  }

  @Test("binary rounding does not push the rank up; p = 0 and 1 are min and max")
  func edges() {
    let values = Array(1...100)
    // 0.07 × 100 = 7.000000000000001 in binary; the rank is 7, not 8.
    #expect(NearestRank.percentile(0.07, of: values) == 7)
    // 0.95 × 100 = 95 → 95; 0.951 × 100 = 95.1 → 96.
    #expect(NearestRank.percentile(0.95, of: values) == 95)
    #expect(NearestRank.percentile(0.951, of: values) == 96)
    // Rank clamped to [1, n].
    #expect(NearestRank.percentile(0, of: values) == 1)
    #expect(NearestRank.percentile(1, of: values) == 100)
  }
}
