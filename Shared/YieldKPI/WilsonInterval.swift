/// The Wilson score interval of a proportion: `successes` of `trials` at a normal quantile `z`
/// (1.959964 for 95 %). Unlike the normal ("Wald") interval it stays inside [0, 1] and does not
/// collapse to a point at 0 or n successes, which is where a cell's yield lives (99.5 % of n).
public struct WilsonInterval: Sendable, Equatable {
  public let low: Double
  public let high: Double

  /// The 95 % quantile of the standard normal.
  public static let z95 = 1.959963984540054

  /// nil when there are no trials (nothing to say).
  public init?(successes: Int, trials: Int, z: Double = WilsonInterval.z95) {
    guard trials > 0, successes >= 0, successes <= trials else { return nil }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    low = max(0, centre - half)
    high = min(1, centre + half)
  }
}
