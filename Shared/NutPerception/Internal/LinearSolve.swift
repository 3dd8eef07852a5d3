/// Small dense linear solves (Gaussian elimination with partial pivoting).
enum LinearSolve {
  /// Solves the 3 × 3 system `m x = b`; nil if singular.
  static func solve3(_ m: [[Double]], _ b: [Double]) -> [Double]? { solve(m, b) }

  /// Solves the n × n system `m x = b`; nil if (numerically) singular.
  static func solve(_ m: [[Double]], _ b: [Double]) -> [Double]? {
    let n = b.count
    var a = m
    var y = b
    var scale = 0.0
    for row in a { for x in row { scale = max(scale, abs(x)) } }
    guard scale > 0, scale.isFinite else { return nil }
    for col in 0..<n {
      var pivot = col
      for row in (col + 1)..<max(n, col + 1) where abs(a[row][col]) > abs(a[pivot][col]) { pivot = row }
      guard abs(a[pivot][col]) > 1e-12 * scale else { return nil }
      if pivot != col {
        a.swapAt(pivot, col)
        y.swapAt(pivot, col)
      }
      for row in (col + 1)..<max(n, col + 1) {
        let f = a[row][col] / a[col][col]
        guard f != 0 else { continue }
        for k in col..<n { a[row][k] -= f * a[col][k] }
        y[row] -= f * y[col]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = y[row]
      for k in (row + 1)..<max(n, row + 1) { s -= a[row][k] * x[k] }
      x[row] = s / a[row][row]
    }
    return x.allSatisfy(\.isFinite) ? x : nil
  }
}
