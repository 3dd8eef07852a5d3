/// Mean, p95 and max of a set of errors, for the accuracy printout.
struct AccuracyStats: CustomStringConvertible {
  var values: [Double]

  var mean: Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
  var p95: Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
  }
  var max: Double { values.max() ?? 0 }

  var description: String {
    func f(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }
    return "n=\(values.count) mean=\(f(mean)) p95=\(f(p95)) max=\(f(max))"
  }
}
