/// Nearest-rank percentiles as docs/yield-api.md defines them: the value at 1-based rank ⌈p × n⌉ of the
/// ascending values (PostgreSQL's `percentile_disc` gives the same).
public enum NearestRank {
  /// The `p`-th percentile (`p` in [0, 1], e.g. 0.95) of `sortedValues`, which must be ascending;
  /// nil when there are none.
  ///
  /// The rank is clamped to [1, n], so p = 0 gives the minimum and p = 1 the maximum. A product
  /// p × n within 1e-9 of a whole number counts as that number, so binary rounding (0.07 × 100 =
  /// 7.000000000000001) does not push the rank up by one.
  public static func percentile<Value: Comparable>(_ p: Double, of sortedValues: [Value]) -> Value? {
    guard !sortedValues.isEmpty else { return nil }
    let n = sortedValues.count
    guard p.isFinite else { return p > 0 ? sortedValues[n - 1] : sortedValues[0] }
    let exact = p * Double(n)
    let nearestWhole = exact.rounded()
    let rank =
      (exact - nearestWhole).magnitude <= 1e-9 * max(1, exact.magnitude) ? nearestWhole : exact.rounded(.up)
    let clamped = min(max(rank, 1), Double(n))
    return sortedValues[Int(clamped) - 1]
  }
}
