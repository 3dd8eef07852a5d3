import CellWorld
import Testing

@testable import NutPerception

/// The fit visits only the taxels under the contact strip; it must choose exactly what the
/// plain sum over every taxel chose (the fleet's records depend on it bit for bit).
@Suite struct LineContactProfileFitTests {
  /// The fit as first written: every taxel in every sum.
  static func reference(profile: [Double], pitchMm: Double) -> (centreMm: Double, halfWidthMm: Double)? {
    let n = profile.count
    guard n >= 3, profile.contains(where: { $0 > 0 }) else { return nil }
    let xs = (0..<n).map { (Double($0) - Double(n - 1) / 2) * pitchMm }
    let span = Double(n) * pitchMm
    var best = (t: 0.0, w: pitchMm, cost: Double.infinity)
    func cost(_ t: Double, _ w: Double) -> Double {
      var pm = 0.0
      var mm = 0.0
      var pp = 0.0
      for i in 0..<n {
        let u = (xs[i] - t) / w
        let m = abs(u) < 1 ? (1 - u * u).squareRoot() : 0
        pm += profile[i] * m
        mm += m * m
        pp += profile[i] * profile[i]
      }
      return mm > 0 ? pp - pm * pm / mm : pp
    }
    func search(t0: Double, t1: Double, dt: Double, w0: Double, w1: Double, dw: Double) {
      var t = t0
      while t <= t1 {
        var w = w0
        while w <= w1 {
          let c = cost(t, w)
          if c < best.cost { best = (t, w, c) }
          w += dw
        }
        t += dt
      }
    }
    search(t0: -span / 2, t1: span / 2, dt: pitchMm / 8, w0: pitchMm / 2, w1: span, dw: pitchMm / 4)
    let (tc, wc) = (best.t, best.w)
    search(
      t0: tc - pitchMm / 8, t1: tc + pitchMm / 8, dt: pitchMm / 200, w0: max(pitchMm / 4, wc - pitchMm / 4),
      w1: wc + pitchMm / 4, dw: pitchMm / 40)
    return (best.t, best.w)
  }

  @Test func sameChoiceAsEveryTaxelSummed() {
    var generator = WorldRandom(seed: 7)
    for trial in 0..<300 {
      let n = [3, 5, 9, 12][trial % 4]
      let pitchMm = [1.0, 1.2, 2.5][trial % 3]
      let centre = (generator.unit() - 0.5) * Double(n) * pitchMm
      let halfWidth = (0.3 + generator.unit()) * pitchMm * 2
      let profile = (0..<n).map { i -> Double in
        let x = (Double(i) - Double(n - 1) / 2) * pitchMm
        let u = (x - centre) / halfWidth
        let clean = abs(u) < 1 ? 80 * (1 - u * u).squareRoot() : 0
        return max(0, clean + (generator.unit() - 0.5) * 6)
      }
      let fast = LineContactProfileFit.fit(profile: profile, pitchMm: pitchMm)
      let plain = Self.reference(profile: profile, pitchMm: pitchMm)
      #expect(fast?.centreMm == plain?.centreMm, "trial \(trial)")
      #expect(fast?.halfWidthMm == plain?.halfWidthMm, "trial \(trial)")
    }
    #expect(LineContactProfileFit.fit(profile: [0, 0, 0], pitchMm: 1) == nil)
  }
}
