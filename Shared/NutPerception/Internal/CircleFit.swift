/// Algebraic (Kåsa) least-squares circle fit: minimises Σ (x² + y² + D x + E y + F)².
struct CircleFit {
  var centreU: Double
  var centreV: Double
  var radius: Double
  /// RMS of |p − c| − r over the points used.
  var residual: Double
  var points: Int

  /// Fits the points whose distance from (`u0`, `v0`) lies in `band`; nil if fewer than
  /// `minPoints` or degenerate. Coordinates are taken relative to (`u0`, `v0`) for conditioning.
  static func fit(
    u: [Double], v: [Double], aroundU u0: Double, v0: Double, band: ClosedRange<Double>, minPoints: Int
  ) -> CircleFit? {
    var sxx = 0.0, sxy = 0.0, syy = 0.0, sx = 0.0, sy = 0.0, n = 0.0
    var sxz = 0.0, syz = 0.0, sz = 0.0
    let lo2 = band.lowerBound * band.lowerBound
    let hi2 = band.upperBound * band.upperBound
    for k in u.indices {
      let x = u[k] - u0
      let y = v[k] - v0
      let z = x * x + y * y
      guard z >= lo2, z <= hi2 else { continue }
      sxx += x * x
      sxy += x * y
      syy += y * y
      sx += x
      sy += y
      n += 1
      sxz += x * z
      syz += y * z
      sz += z
    }
    guard n >= Double(max(minPoints, 3)) else { return nil }
    // Normal equations of [x y 1]·[D E F]ᵀ = −z.
    let m: [[Double]] = [[sxx, sxy, sx], [sxy, syy, sy], [sx, sy, n]]
    let b = [-sxz, -syz, -sz]
    guard let s = LinearSolve.solve3(m, b) else { return nil }
    let cx = -s[0] / 2
    let cy = -s[1] / 2
    let r2 = cx * cx + cy * cy - s[2]
    guard r2 > 0 else { return nil }
    let r = r2.squareRoot()
    var ss = 0.0
    for k in u.indices {
      let x = u[k] - u0
      let y = v[k] - v0
      let z = x * x + y * y
      guard z >= lo2, z <= hi2 else { continue }
      let d = ((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot() - r
      ss += d * d
    }
    return CircleFit(centreU: u0 + cx, centreV: v0 + cy, radius: r, residual: (ss / n).squareRoot(), points: Int(n))
  }
}
