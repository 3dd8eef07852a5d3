/// A duration in seconds, for the demo's progress lines and report.
extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
