import YieldKPI

/// Percentiles of a set of measured latencies, nearest-rank (no interpolation), in microseconds.
struct LatencySummary: Sendable, Equatable {
  let count: Int
  let p50Microseconds: Double
  /// Nil when the figures came from elsewhere without it (grpc_hop.py reports p50 and p99).
  let p95Microseconds: Double?
  let p99Microseconds: Double
  let meanMicroseconds: Double
  /// Round trips per second if they ran back to back (1 / mean).
  var throughputPerSecond: Double { meanMicroseconds > 0 ? 1_000_000 / meanMicroseconds : 0 }

  init(count: Int, p50Microseconds: Double, p99Microseconds: Double, meanMicroseconds: Double) {
    self.count = count
    self.p50Microseconds = p50Microseconds
    self.p95Microseconds = nil
    self.p99Microseconds = p99Microseconds
    self.meanMicroseconds = meanMicroseconds
  }

  /// Summarises `samples`; nil when there are none.
  init?(_ samples: [Duration]) {
    guard !samples.isEmpty else { return nil }
    let microseconds = samples.map { Double($0.components.seconds) * 1e6 + Double($0.components.attoseconds) / 1e12 }
      .sorted()
    count = microseconds.count
    p50Microseconds = NearestRank.percentile(0.50, of: microseconds)!
    p95Microseconds = NearestRank.percentile(0.95, of: microseconds)!
    p99Microseconds = NearestRank.percentile(0.99, of: microseconds)!
    meanMicroseconds = microseconds.reduce(0, +) / Double(microseconds.count)
  }
}
