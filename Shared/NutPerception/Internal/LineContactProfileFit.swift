/// Fits the across-the-pad pressure profile of a cylinder pressed on a flat pad (Hertz line
/// contact): P(x) = A √(1 − ((x − t)/w)²) for |x − t| < w, else 0. The centroid of taxel values is
/// biased towards the pad centre once the contact strip is cut by the pad's edge; the fit is not.
/// Grid search over (t, w), coarse then fine, with A in closed form.
enum LineContactProfileFit {
  /// Best centre t (mm from the pad centre) and half-width w (mm), or nil for an empty profile.
  static func fit(profile: [Double], pitchMm: Double) -> (centreMm: Double, halfWidthMm: Double)? {
    let n = profile.count
    guard n >= 3, profile.contains(where: { $0 > 0 }) else { return nil }
    let xs = (0..<n).map { (Double($0) - Double(n - 1) / 2) * pitchMm }
    let span = Double(n) * pitchMm
    var best = (t: 0.0, w: pitchMm, cost: Double.infinity)
    var pp = 0.0
    for i in 0..<n { pp += profile[i] * profile[i] }
    // The fit's inner loop (a few tens of thousands of evaluations per frame): taxels outside the
    // strip |x − t| < w add nothing, so only the strip's taxels are visited (xs is sorted). The
    // sums are the same, term for term, as over every taxel.
    func cost(_ t: Double, _ w: Double) -> Double {
      xs.withUnsafeBufferPointer { xs in
        profile.withUnsafeBufferPointer { profile in
          var pm = 0.0
          var mm = 0.0
          var i = 0
          // A hair of slack: whether a taxel counts is decided by |u| < 1 below, as ever.
          let reach = w * (1 + 1e-9)
          while i < n, xs[i] <= t - reach { i += 1 }
          while i < n, xs[i] < t + reach {
            let u = (xs[i] - t) / w
            if abs(u) < 1 {
              let m = (1 - u * u).squareRoot()
              pm += profile[i] * m
              mm += m * m
            }
            i += 1
          }
          return mm > 0 ? pp - pm * pm / mm : pp
        }
      }
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
}
